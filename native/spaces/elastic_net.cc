#include "spaces/elastic_net.h"

#include <algorithm>
#include <optional>

#include "common/error.h"
#include "nets/block_factory.h"
#include "ops/batch_norm_stats.h"

namespace torchnas {
namespace {

std::string List(const std::vector<int64_t>& values) {
  std::string out;
  for (int64_t v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return out;
}

void RequireIn(int64_t value, const std::vector<int64_t>& allowed, const std::string& decision) {
  Require(std::find(allowed.begin(), allowed.end(), value) != allowed.end(),
          "subnet: " + decision + " is " + std::to_string(value) + ", not one of the space's values (" +
              List(allowed) + ")");
}

void CollectModule(const torch::nn::Module& module, const TensorPick& pick, const std::string& prefix,
                   NamedTensors& out) {
  for (const auto& p : module.named_parameters()) out.emplace_back(prefix + p.key(), pick(p.value()));
  for (const auto& b : module.named_buffers()) out.emplace_back(prefix + b.key(), pick(b.value()));
}

}  // namespace

ElasticNetImpl::ElasticNetImpl(const ElasticSpec& spec) : spec_(spec) {
  Require(!spec.stages.empty(), "the elastic space has no stages");
  Require(!spec.resolutions.empty(), "the elastic space has no resolutions");
  stem_ = register_module("stem", MakeSequential(spec.stem));
  for (size_t s = 0; s < spec.stages.size(); ++s) {
    const ElasticStageSpec& st = spec.stages[s];
    const std::string where = "stage " + std::to_string(s);
    Require(!st.widths.empty() && !st.depths.empty() && !st.kernels.empty() && !st.expands.empty(),
            where + ": every decision needs at least one value (an empty stage has nothing to choose)");
    std::vector<ElasticMBConv> blocks;
    // Parameter names stage<s>.<b>.<module>...: a list per stage, as Sequential names its blocks.
    auto list = register_module("stage" + std::to_string(s), torch::nn::ModuleList());
    for (int64_t b = 0; b < st.depths.back(); ++b) {
      ElasticMBConvOptions o;
      o.in_max = b == 0 ? st.in_max : st.widths.back();
      o.out_max = st.widths.back();
      o.kernel_max = st.kernels.back();
      o.kernels = st.kernels;
      o.kernel_transform = st.kernel_transform;
      o.expand_max = st.expands.back();
      o.stride = b == 0 ? st.stride : 1;
      o.se_ratio = st.se_ratio;
      o.activation = st.activation;
      blocks.push_back(ElasticMBConv(o));
      list->push_back(blocks.back());
    }
    stages_.push_back(std::move(blocks));
  }
  head_ = register_module("head", MakeSequential(spec.head));
  for (head_weighted_ = 0; head_weighted_ < spec.head.size(); ++head_weighted_) {
    const BlockKind kind = spec.head[head_weighted_].kind;
    if (kind == BlockKind::kConv || kind == BlockKind::kLinear) break;
    Require(kind == BlockKind::kGlobalPool || kind == BlockKind::kDropout,
            "the head's blocks before its first conv or fc must be gap or dropout");
  }
  Require(head_weighted_ < spec.head.size(), "the head needs a conv or fc block");
}

ElasticChoice ElasticNetImpl::Largest() const {
  ElasticChoice c{spec_.resolutions.back(), {}};
  for (const auto& st : spec_.stages) {
    const auto depth = static_cast<size_t>(st.depths.back());
    c.stages.push_back({st.widths.back(), std::vector<int64_t>(depth, st.kernels.back()),
                        std::vector<int64_t>(depth, st.expands.back())});
  }
  return c;
}

ElasticChoice ElasticNetImpl::Smallest() const {
  ElasticChoice c{spec_.resolutions.front(), {}};
  for (const auto& st : spec_.stages) {
    const auto depth = static_cast<size_t>(st.depths.front());
    c.stages.push_back({st.widths.front(), std::vector<int64_t>(depth, st.kernels.front()),
                        std::vector<int64_t>(depth, st.expands.front())});
  }
  return c;
}

void ElasticNetImpl::Check(const ElasticChoice& choice) const {
  RequireIn(choice.resolution, spec_.resolutions, "the resolution");
  Require(choice.stages.size() == spec_.stages.size(),
          "subnet: the space has " + std::to_string(spec_.stages.size()) + " stages, the subnet gives " +
              std::to_string(choice.stages.size()));
  for (size_t s = 0; s < choice.stages.size(); ++s) {
    const auto& c = choice.stages[s];
    const auto& st = spec_.stages[s];
    const std::string stage = "stage " + std::to_string(s);
    Require(c.kernels.size() == c.expands.size(),
            "subnet: " + stage + " needs as many kernels as expand ratios");
    RequireIn(static_cast<int64_t>(c.kernels.size()), st.depths, stage + "'s depth");
    RequireIn(c.width, st.widths, stage + "'s width");
    for (size_t b = 0; b < c.kernels.size(); ++b) {
      RequireIn(c.kernels[b], st.kernels, stage + " block " + std::to_string(b) + "'s kernel");
      RequireIn(c.expands[b], st.expands, stage + " block " + std::to_string(b) + "'s expand ratio");
    }
  }
}

torch::Tensor ElasticNetImpl::Resize(const torch::Tensor& x, int64_t resolution) const {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == spec_.in_channels, "expected input of shape [B, ",
              spec_.in_channels, ", H, W], got ", x.sizes());
  if (x.size(2) == resolution && x.size(3) == resolution) return x;
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{resolution, resolution})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

torch::Tensor ElasticNetImpl::ForwardMasked(const torch::Tensor& x, const ElasticMasks& masks) {
  Require(masks.blocks.size() == stages_.size() && masks.keep.size() == stages_.size(),
          "masked forward: one mask list per stage is needed");
  torch::Tensor h = stem_->forward(Resize(x, masks.resolution) * masks.resolution_gate);
  for (size_t s = 0; s < stages_.size(); ++s) {
    for (size_t b = 0; b < stages_[s].size(); ++b) {
      const torch::Tensor& keep = masks.keep[s][b];
      // A block the choice drops still runs (its gate's gradient needs its output), but its BatchNorm
      // statistics stay as they were: the child has no such block.
      std::optional<FreezeBatchNormStats> dropped;
      if (keep.defined() && keep.detach().item<double>() == 0.0) dropped.emplace();
      torch::Tensor y = stages_[s][b]->ForwardMasked(h, masks.blocks[s][b]);
      h = keep.defined() ? h + keep * (y - h) : y;
    }
  }
  return Head(h, spec_.stages.back().widths.back());
}

torch::Tensor ElasticNetImpl::forward(const torch::Tensor& x, const ElasticChoice& choice) {
  torch::Tensor h = stem_->forward(Resize(x, choice.resolution));
  for (size_t s = 0; s < stages_.size(); ++s) {
    const auto& c = choice.stages[s];
    for (size_t b = 0; b < c.kernels.size(); ++b) {
      h = stages_[s][b]->forward(h, ElasticBlockChoice{c.width, c.kernels[b], c.expands[b]});
    }
  }
  return Head(h, choice.stages.back().width);
}

torch::Tensor ElasticNetImpl::forward(const torch::Tensor& x) { return forward(x, Largest()); }

torch::Tensor ElasticNetImpl::Head(const torch::Tensor& x, int64_t width) {
  torch::Tensor h = x;
  size_t i = 0;
  for (auto& block : *head_) {
    if (i++ != head_weighted_) {
      h = block.forward(h);
    } else if (auto* conv = block.ptr()->as<ConvBnActImpl>()) {
      h = SlicedConvBn(*conv, h, conv->conv->weight.narrow(1, 0, width), conv->options.stride(), 1);
    } else {
      auto* linear = block.ptr()->as<torch::nn::LinearImpl>();
      h = torch::nn::functional::linear(h, linear->weight.narrow(1, 0, width), linear->bias);
    }
  }
  return h;
}

NamedTensors ElasticNetImpl::Collect(const ElasticChoice& choice, const TensorPick& pick,
                                     bool gradients) const {
  NamedTensors out;
  size_t k = 0;
  auto body = [&k]() { return "body." + std::to_string(k++) + "."; };
  for (size_t i = 0; i < stem_->size(); ++i) CollectModule(*stem_->ptr(i), pick, body(), out);
  int64_t in = spec_.stages.front().in_max;
  for (size_t s = 0; s < stages_.size(); ++s) {
    const auto& c = choice.stages[s];
    for (size_t b = 0; b < c.kernels.size(); ++b) {
      stages_[s][b]->Collect(in, ElasticBlockChoice{c.width, c.kernels[b], c.expands[b]}, pick, body(), out,
                             gradients);
      in = c.width;
    }
  }
  for (size_t i = 0; i < head_->size(); ++i) {
    const std::string prefix = body();
    if (i != head_weighted_) {
      CollectModule(*head_->ptr(i), pick, prefix, out);
      continue;
    }
    NamedTensors whole;
    CollectModule(*head_->ptr(i), pick, prefix, whole);
    for (auto& [name, t] : whole) {
      const bool sliced = name == prefix + "conv.weight" || name == prefix + "weight";
      out.emplace_back(name, sliced ? t.narrow(1, 0, in) : t);
    }
  }
  return out;
}

void ElasticNetImpl::ReorderMiddleChannels() {
  for (auto& stage : stages_) {
    for (auto& block : stage) block->ReorderMiddleChannels();
  }
}

void ElasticNetImpl::ResetBatchNormStats() {
  torch::NoGradGuard no_grad;
  for (auto& m : modules()) {
    if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) bn->reset_running_stats();
  }
}

void ElasticNetImpl::SetBatchNormMomentum(double momentum) {
  for (auto& m : modules()) {
    if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) bn->options.momentum(momentum);
  }
}

}  // namespace torchnas
