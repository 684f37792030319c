#include "ops/resnet_basic_block.h"

namespace torchnas {

ResNetBasicBlockImpl::ResNetBasicBlockImpl(const ResNetBasicBlockOptions& options_) : options(options_) {
  reset();
}

void ResNetBasicBlockImpl::reset() {
  TORCH_CHECK(options.stride() == 1 || options.stride() == 2, "ResNetBasicBlock: stride must be 1 or 2");
  const int64_t in = options.in_channels(), out = options.out_channels();
  conv_a = register_module(
      "conv_a", ReluConvBn(ReluConvBnOptions(in, out, 3).stride(options.stride()).affine(options.affine())));
  conv_b = register_module("conv_b", ReluConvBn(ReluConvBnOptions(out, out, 3).affine(options.affine())));
  if (options.stride() == 2) {
    downsample =
        register_module("downsample", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(false)));
  } else if (in != out) {
    project = register_module("project", ReluConvBn(ReluConvBnOptions(in, out, 1).affine(options.affine())));
  }
}

torch::Tensor ResNetBasicBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor residual = x;
  // ceil_mode: an odd size (28 -> 14 -> 7) pools to what the strided convolution gives (4, not 3);
  // even sizes are pooled exactly as NAS-Bench-201 does.
  if (downsample)
    residual = downsample->forward(torch::avg_pool2d(x, {2, 2}, {2, 2}, {0, 0}, /*ceil_mode=*/true));
  else if (project)
    residual = project->forward(x);
  return residual + conv_b->forward(conv_a->forward(x));
}

}  // namespace torchnas
