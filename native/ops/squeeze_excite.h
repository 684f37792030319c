// Squeeze-and-excitation: global pool -> 1x1 reduce -> ReLU -> 1x1 expand -> hard sigmoid gate.
#pragma once
#include <torch/torch.h>

namespace torchnas {

struct SqueezeExciteOptions {
  SqueezeExciteOptions(int64_t channels, int64_t reduced) : channels_(channels), reduced_(reduced) {}
  TORCH_ARG(int64_t, channels);
  TORCH_ARG(int64_t, reduced);
};

class SqueezeExciteImpl : public torch::nn::Cloneable<SqueezeExciteImpl> {
 public:
  explicit SqueezeExciteImpl(const SqueezeExciteOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  SqueezeExciteOptions options;
  torch::nn::Conv2d reduce{nullptr};
  torch::nn::Conv2d expand{nullptr};
};
TORCH_MODULE(SqueezeExcite);

}  // namespace torchnas
