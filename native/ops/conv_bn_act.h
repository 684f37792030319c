// Conv2d (no bias) -> BatchNorm2d -> activation: the building block of every space.
#pragma once
#include <torch/torch.h>

#include "ops/activation.h"

namespace torchnas {

struct ConvBnActOptions {
  ConvBnActOptions(int64_t in_channels, int64_t out_channels, int64_t kernel)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_(kernel) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel);
  TORCH_ARG(int64_t, stride) = 1;
  // groups == in_channels == out_channels makes a depthwise convolution.
  TORCH_ARG(int64_t, groups) = 1;
  TORCH_ARG(Activation, activation) = Activation::kReLU;
};

class ConvBnActImpl : public torch::nn::Cloneable<ConvBnActImpl> {
 public:
  explicit ConvBnActImpl(const ConvBnActOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);
  // Inference only: scales the conv by the BN's running statistics and gives it their bias, then
  // skips the BN. What deployment does; a latency figure says whether it was done.
  void FoldBatchNorm();
  bool folded() const { return folded_; }

  ConvBnActOptions options;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};

 private:
  bool folded_ = false;
};
TORCH_MODULE(ConvBnAct);

}  // namespace torchnas
