#include "ops/conv_bn_act.h"

#include "ops/batch_norm_stats.h"

namespace torchnas {

ConvBnActImpl::ConvBnActImpl(const ConvBnActOptions& options_) : options(options_) { reset(); }

void ConvBnActImpl::reset() {
  TORCH_CHECK(options.kernel() % 2 == 1, "ConvBnAct: kernel must be odd, got ", options.kernel());
  TORCH_CHECK(options.stride() >= 1, "ConvBnAct: stride must be >= 1");
  TORCH_CHECK(options.in_channels() % options.groups() == 0 && options.out_channels() % options.groups() == 0,
              "ConvBnAct: channels must divide by groups");
  conv = register_module(
      "conv", torch::nn::Conv2d(
                  torch::nn::Conv2dOptions(options.in_channels(), options.out_channels(), options.kernel())
                      .stride(options.stride())
                      .padding(options.kernel() / 2)
                      .groups(options.groups())
                      .bias(false)));
  bn = register_module("bn", torch::nn::BatchNorm2d(options.out_channels()));
  torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
}

torch::Tensor ConvBnActImpl::forward(const torch::Tensor& x) {
  if (folded_) return Apply(options.activation(), conv->forward(x));
  return Apply(options.activation(), BatchNormForward(bn, conv->forward(x)));
}

void ConvBnActImpl::FoldBatchNorm() {
  if (folded_) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
  conv->weight.mul_(scale.reshape({-1, 1, 1, 1}));
  // The conv registered an empty "bias" slot; its forward reads the member, which is all inference needs.
  conv->bias = bn->bias - bn->running_mean * scale;
  folded_ = true;
}

}  // namespace torchnas
