// The residual block NAS-Bench-201 reduces resolution with between its stages: two 3x3 ReLUConvBN
// (the first with the stride) plus a shortcut. With stride 2 the shortcut is 2x2 average pooling and a
// 1x1 convolution; with stride 1 it is a 1x1 ReLUConvBN when channels change, else the identity.
#pragma once
#include <torch/torch.h>

#include "ops/relu_conv_bn.h"

namespace torchnas {

struct ResNetBasicBlockOptions {
  ResNetBasicBlockOptions(int64_t in_channels, int64_t out_channels, int64_t stride)
      : in_channels_(in_channels), out_channels_(out_channels), stride_(stride) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, stride);
  TORCH_ARG(bool, affine) = true;
};

class ResNetBasicBlockImpl : public torch::nn::Cloneable<ResNetBasicBlockImpl> {
 public:
  explicit ResNetBasicBlockImpl(const ResNetBasicBlockOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  ResNetBasicBlockOptions options;
  ReluConvBn conv_a{nullptr};
  ReluConvBn conv_b{nullptr};
  torch::nn::Conv2d downsample{nullptr};  // stride 2: after 2x2 average pooling
  ReluConvBn project{nullptr};            // stride 1, channels change
};
TORCH_MODULE(ResNetBasicBlock);

}  // namespace torchnas
