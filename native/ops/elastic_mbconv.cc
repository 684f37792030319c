#include "ops/elastic_mbconv.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "ops/batch_norm_stats.h"

namespace torchnas {
namespace {

torch::Tensor Prefix(const torch::Tensor& t, int64_t dim, int64_t n) { return t.narrow(dim, 0, n); }

// The centre k x k of a K x K kernel.
torch::Tensor Centre(const torch::Tensor& weight, int64_t k) {
  const int64_t offset = (weight.size(2) - k) / 2;
  return weight.narrow(2, offset, k).narrow(3, offset, k);
}

void CollectBn(const torch::nn::BatchNorm2d& bn, int64_t c, const TensorPick& pick, const std::string& prefix,
               NamedTensors& out) {
  out.emplace_back(prefix + "weight", Prefix(pick(bn->weight), 0, c));
  out.emplace_back(prefix + "bias", Prefix(pick(bn->bias), 0, c));
  out.emplace_back(prefix + "running_mean", Prefix(pick(bn->running_mean), 0, c));
  out.emplace_back(prefix + "running_var", Prefix(pick(bn->running_var), 0, c));
  out.emplace_back(prefix + "num_batches_tracked", pick(bn->num_batches_tracked));
}

// The running statistics of the channels a mask keeps move toward the batch's (what batch_norm does
// in training, with the unbiased variance); those it drops (weight exactly 0) keep their values: the
// child has no such channels, and the sliced form would not have touched them.
void UpdateKeptStatistics(const torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& z,
                          const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  const double momentum = bn.options.momentum().value_or(0.1);
  const torch::Tensor kept = mask.detach() != 0;
  const torch::Tensor mean = z.mean({0, 2, 3}).to(bn.running_mean.scalar_type());
  const torch::Tensor var = z.var({0, 2, 3}, /*unbiased=*/true).to(bn.running_var.scalar_type());
  bn.running_mean.copy_(
      torch::where(kept, (1.0 - momentum) * bn.running_mean + momentum * mean, bn.running_mean));
  bn.running_var.copy_(
      torch::where(kept, (1.0 - momentum) * bn.running_var + momentum * var, bn.running_var));
  bn.num_batches_tracked.add_(1);
}

// conv -> BatchNorm -> activation at the largest width, times a channel mask.
torch::Tensor MaskedConvBn(const ConvBnActImpl& layer, const torch::Tensor& x, const torch::Tensor& weight,
                           int64_t stride, int64_t groups, const torch::Tensor& mask) {
  const torch::nn::BatchNorm2dImpl& bn = *layer.bn;
  const torch::Tensor z = torch::conv2d(x, weight, {}, stride, weight.size(2) / 2, 1, groups);
  const bool updates = bn.is_training() && !FreezeBatchNormStats::active();
  torch::Tensor normalized;
  {
    FreezeBatchNormStats batch_statistics_only;  // the running ones are updated per channel below
    normalized = PrefixBatchNorm(bn, z);
  }
  if (updates) UpdateKeptStatistics(bn, z, mask);
  return Apply(layer.options.activation(), normalized) * mask.view({1, -1, 1, 1});
}

}  // namespace

torch::Tensor SlicedConvBn(const ConvBnActImpl& layer, const torch::Tensor& x, const torch::Tensor& weight,
                           int64_t stride, int64_t groups) {
  const int64_t k = weight.size(2);
  torch::Tensor y = torch::conv2d(x, weight, {}, stride, k / 2, 1, groups);
  return Apply(layer.options.activation(), PrefixBatchNorm(*layer.bn, y));
}

ElasticMBConvImpl::ElasticMBConvImpl(const ElasticMBConvOptions& options_) : options(options_) { reset(); }

int64_t ElasticMBConvImpl::SeChannels(int64_t in) const {
  return std::max<int64_t>(1, static_cast<int64_t>(std::lround(static_cast<double>(in) * options.se_ratio)));
}

void ElasticMBConvImpl::reset() {
  const auto& o = options;
  Require(o.kernel_max % 2 == 1, "elastic MBConv: the largest kernel must be odd");
  Require(o.in_max > 0 && o.out_max > 0 && o.expand_max >= 1,
          "elastic MBConv: channels and expand must be positive");
  const int64_t mid = o.in_max * o.expand_max;
  if (o.expand_max != 1) {
    conv_pw =
        register_module("conv_pw", ConvBnAct(ConvBnActOptions(o.in_max, mid, 1).activation(o.activation)));
  }
  conv_dw = register_module(
      "conv_dw",
      ConvBnAct(
          ConvBnActOptions(mid, mid, o.kernel_max).stride(o.stride).groups(mid).activation(o.activation)));
  if (o.se_ratio > 0.0)
    se = register_module("se", SqueezeExcite(SqueezeExciteOptions(mid, SeChannels(o.in_max))));
  conv_pwl = register_module("conv_pwl",
                             ConvBnAct(ConvBnActOptions(mid, o.out_max, 1).activation(Activation::kNone)));
  transforms_.clear();
  if (!o.kernel_transform) return;
  for (int64_t k : o.kernels) {
    if (k >= o.kernel_max) continue;
    transforms_[k] = register_parameter("kernel_transform_" + std::to_string(k), torch::eye(k * k));
  }
}

torch::Tensor ElasticMBConvImpl::Kernel(const torch::Tensor& weight, int64_t mid, int64_t k) const {
  torch::Tensor w = Prefix(weight, 0, mid);
  if (transforms_.empty() || k == options.kernel_max) return Centre(w, k);
  // From the largest kernel down to k, one size at a time: centre, then the size's matrix.
  for (auto it = transforms_.rbegin(); it != transforms_.rend() && it->first >= k; ++it) {
    const int64_t s = it->first;
    torch::Tensor centre = Centre(w, s).reshape({w.size(0), w.size(1), s * s});
    w = torch::matmul(centre, it->second.t()).reshape({w.size(0), w.size(1), s, s});
  }
  return w;
}

torch::Tensor ElasticMBConvImpl::forward(const torch::Tensor& x, const ElasticBlockChoice& choice) {
  const int64_t in = x.size(1);
  const int64_t mid = in * choice.expand;
  Require(in <= options.in_max && choice.out <= options.out_max && choice.kernel <= options.kernel_max &&
              choice.expand <= options.expand_max && (choice.expand == 1) == conv_pw.is_empty(),
          "elastic MBConv: the chosen form is outside the block's largest form");
  torch::Tensor y = x;
  if (conv_pw) y = SlicedConvBn(*conv_pw, x, Prefix(Prefix(conv_pw->conv->weight, 0, mid), 1, in), 1, 1);
  y = SlicedConvBn(*conv_dw, y, Kernel(conv_dw->conv->weight, mid, choice.kernel), options.stride, mid);
  if (se) {
    const int64_t r = SeChannels(in);
    torch::Tensor s = y.mean({2, 3}, /*keepdim=*/true);
    s = torch::relu(
        torch::conv2d(s, Prefix(Prefix(se->reduce->weight, 0, r), 1, mid), Prefix(se->reduce->bias, 0, r)));
    s = torch::conv2d(s, Prefix(Prefix(se->expand->weight, 0, mid), 1, r), Prefix(se->expand->bias, 0, mid));
    y = y * HardSigmoid(s);
  }
  y = SlicedConvBn(*conv_pwl, y, Prefix(Prefix(conv_pwl->conv->weight, 0, choice.out), 1, mid), 1, 1);
  // The standalone block's rule, on the chosen channels: a stage's first block adds its input only
  // when its width happens to equal the previous stage's.
  return options.stride == 1 && in == choice.out ? y + x : y;
}

torch::Tensor ElasticMBConvImpl::ForwardMasked(const torch::Tensor& x, const ElasticBlockMasks& m) {
  Require(x.size(1) == options.in_max, "elastic MBConv: a masked forward takes the largest input width");
  const int64_t mid = conv_dw->conv->weight.size(0);
  torch::Tensor y = x;
  if (conv_pw) y = MaskedConvBn(*conv_pw, x, conv_pw->conv->weight, 1, 1, m.mid);
  torch::Tensor kernel;
  for (size_t j = 0; j < options.kernels.size(); ++j) {
    const int64_t k = options.kernels[j];
    const int64_t pad = (options.kernel_max - k) / 2;
    torch::Tensor padded =
        torch::constant_pad_nd(Kernel(conv_dw->conv->weight, mid, k), {pad, pad, pad, pad});
    kernel = j == 0 ? m.kernel[0] * padded : kernel + m.kernel[static_cast<int64_t>(j)] * padded;
  }
  y = MaskedConvBn(*conv_dw, y, kernel, options.stride, mid, m.mid);
  if (se) {
    torch::Tensor s = y.mean({2, 3}, /*keepdim=*/true);
    s = torch::relu(torch::conv2d(s, se->reduce->weight, se->reduce->bias)) * m.se.view({1, -1, 1, 1});
    y = y * HardSigmoid(torch::conv2d(s, se->expand->weight, se->expand->bias));
  }
  y = MaskedConvBn(*conv_pwl, y, conv_pwl->conv->weight, 1, 1, m.out);
  if (!m.shortcut.defined()) return y;
  // The input's chosen channels are a prefix no wider than either side: fit x to out_max channels.
  torch::Tensor skip = x.size(1) >= options.out_max
                           ? x.narrow(1, 0, options.out_max)
                           : torch::constant_pad_nd(x, {0, 0, 0, 0, 0, options.out_max - x.size(1)});
  return y + m.shortcut * skip;
}

void ElasticMBConvImpl::Collect(int64_t in, const ElasticBlockChoice& c, const TensorPick& pick,
                                const std::string& prefix, NamedTensors& out, bool gradients) const {
  const int64_t mid = in * c.expand;
  if (c.expand != 1) {
    out.emplace_back(prefix + "conv_pw.conv.weight",
                     Prefix(Prefix(pick(conv_pw->conv->weight), 0, mid), 1, in));
    CollectBn(conv_pw->bn, mid, pick, prefix + "conv_pw.bn.", out);
  }
  const bool transformed = !transforms_.empty() && c.kernel < options.kernel_max;
  if (!gradients) {
    out.emplace_back(prefix + "conv_dw.conv.weight", Kernel(pick(conv_dw->conv->weight), mid, c.kernel));
  } else if (!transformed) {
    out.emplace_back(prefix + "conv_dw.conv.weight",
                     Centre(Prefix(pick(conv_dw->conv->weight), 0, mid), c.kernel));
  }
  CollectBn(conv_dw->bn, mid, pick, prefix + "conv_dw.bn.", out);
  if (se) {
    const int64_t r = SeChannels(in);
    out.emplace_back(prefix + "se.reduce.weight", Prefix(Prefix(pick(se->reduce->weight), 0, r), 1, mid));
    out.emplace_back(prefix + "se.reduce.bias", Prefix(pick(se->reduce->bias), 0, r));
    out.emplace_back(prefix + "se.expand.weight", Prefix(Prefix(pick(se->expand->weight), 0, mid), 1, r));
    out.emplace_back(prefix + "se.expand.bias", Prefix(pick(se->expand->bias), 0, mid));
  }
  out.emplace_back(prefix + "conv_pwl.conv.weight",
                   Prefix(Prefix(pick(conv_pwl->conv->weight), 0, c.out), 1, mid));
  CollectBn(conv_pwl->bn, c.out, pick, prefix + "conv_pwl.bn.", out);
}

void ElasticMBConvImpl::ReorderMiddleChannels() {
  Require(!conv_pw.is_empty(),
          "reordering needs an expansion conv: a block whose only expand ratio is 1 has no middle channels");
  torch::NoGradGuard no_grad;
  const torch::Tensor importance = conv_pwl->conv->weight.abs().sum({0, 2, 3});
  const torch::Tensor order = importance.argsort(0, /*descending=*/true);
  auto permute = [&](torch::Tensor& t, int64_t dim) { t.copy_(t.index_select(dim, order)); };
  auto permute_bn = [&](torch::nn::BatchNorm2d& bn) {
    for (torch::Tensor* t : {&bn->weight, &bn->bias, &bn->running_mean, &bn->running_var}) permute(*t, 0);
  };
  permute(conv_pw->conv->weight, 0);
  permute_bn(conv_pw->bn);
  permute(conv_dw->conv->weight, 0);
  permute_bn(conv_dw->bn);
  if (se) {
    permute(se->reduce->weight, 1);
    permute(se->expand->weight, 0);
    permute(se->expand->bias, 0);
  }
  permute(conv_pwl->conv->weight, 1);
}

}  // namespace torchnas
