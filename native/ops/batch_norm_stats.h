// While a FreezeBatchNormStats guard lives on this thread, BatchNorm layers in training mode still
// normalize with batch statistics but do not update their running statistics. Used when a mixed op
// runs inactive candidates only to measure them (architecture gradient), so those candidates' BN
// state is not polluted by forwards that are not training steps.
#pragma once
#include <torch/torch.h>

namespace torchnas {

class FreezeBatchNormStats {
 public:
  FreezeBatchNormStats();
  ~FreezeBatchNormStats();
  FreezeBatchNormStats(const FreezeBatchNormStats&) = delete;
  FreezeBatchNormStats& operator=(const FreezeBatchNormStats&) = delete;
  static bool active();

 private:
  bool previous_;
};

// bn->forward(x), honouring FreezeBatchNormStats.
torch::Tensor BatchNormForward(torch::nn::BatchNorm2d& bn, const torch::Tensor& x);

// BatchNorm of `x` with the first x.size(1) channels of `bn` (an elastic op narrower than its largest
// form): their running statistics are used, and in training updated, unless FreezeBatchNormStats holds.
torch::Tensor PrefixBatchNorm(const torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x);

}  // namespace torchnas
