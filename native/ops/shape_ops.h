// Parameter-free operations: identity, zero (a candidate that removes a block), pooling, and the
// global average pool that ends the feature extractor.
#pragma once
#include <torch/torch.h>

namespace torchnas {

class IdentityImpl : public torch::nn::Cloneable<IdentityImpl> {
 public:
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x) { return x; }
};
TORCH_MODULE(Identity);

// Outputs zeros of the shape the replaced block would produce.
class ZeroImpl : public torch::nn::Cloneable<ZeroImpl> {
 public:
  ZeroImpl(int64_t out_channels, int64_t stride) : out_channels_(out_channels), stride_(stride) {}
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t out_channels_;
  int64_t stride_;
};
TORCH_MODULE(Zero);

enum class PoolKind { kMax, kAverage };

class Pool2dImpl : public torch::nn::Cloneable<Pool2dImpl> {
 public:
  Pool2dImpl(PoolKind kind, int64_t kernel, int64_t stride) : kind_(kind), kernel_(kernel), stride_(stride) {}
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);

 private:
  PoolKind kind_;
  int64_t kernel_;
  int64_t stride_;
};
TORCH_MODULE(Pool2d);

// [B, C, H, W] -> [B, C]
class GlobalAvgPoolImpl : public torch::nn::Cloneable<GlobalAvgPoolImpl> {
 public:
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x) { return x.mean({2, 3}); }
};
TORCH_MODULE(GlobalAvgPool);

}  // namespace torchnas
