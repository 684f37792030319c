#include "ops/relu_conv_bn.h"

#include "ops/batch_norm_stats.h"

namespace torchnas {

ReluConvBnImpl::ReluConvBnImpl(const ReluConvBnOptions& options_) : options(options_) { reset(); }

void ReluConvBnImpl::reset() {
  TORCH_CHECK(options.kernel() % 2 == 1, "ReluConvBn: kernel must be odd, got ", options.kernel());
  // LibTorch's default initialization is PyTorch's, which NAS-Bench-201 trained (and zero-cost proxies
  // were published) with: no re-initialization here.
  conv = register_module(
      "conv", torch::nn::Conv2d(
                  torch::nn::Conv2dOptions(options.in_channels(), options.out_channels(), options.kernel())
                      .stride(options.stride())
                      .padding(options.kernel() / 2)
                      .bias(!options.affine())));
  bn = register_module(
      "bn",
      torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(options.out_channels()).affine(options.affine())));
}

torch::Tensor ReluConvBnImpl::forward(const torch::Tensor& x) {
  return BatchNormForward(bn, conv->forward(torch::relu(x)));
}

}  // namespace torchnas
