// ReLU -> Conv2d -> BatchNorm2d, the pre-activation convolution of NAS-Bench-201 (its ReLUConvBN).
// As in the benchmark's code, the convolution has a bias only when the BatchNorm is not affine.
#pragma once
#include <torch/torch.h>

namespace torchnas {

struct ReluConvBnOptions {
  ReluConvBnOptions(int64_t in_channels, int64_t out_channels, int64_t kernel)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_(kernel) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(bool, affine) = true;
};

class ReluConvBnImpl : public torch::nn::Cloneable<ReluConvBnImpl> {
 public:
  explicit ReluConvBnImpl(const ReluConvBnOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  ReluConvBnOptions options;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ReluConvBn);

}  // namespace torchnas
