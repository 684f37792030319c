// SyncBatchNorm: in training, BatchNorm normalizes with the statistics of the whole global batch (every
// rank's shard), as torch.nn.SyncBatchNorm does: the per-channel sums, sums of squares and counts are
// all-reduced in forward, and the two sums backward needs in backward. Active on this thread while a
// SyncBatchNormScope with a communicator lives (a data-parallel weight step with syncBatchNorm on).
#pragma once
#include <torch/torch.h>

namespace torchnas {

class Communicator;

class SyncBatchNormScope {
 public:
  explicit SyncBatchNormScope(Communicator* communicator);  // null: no effect
  ~SyncBatchNormScope();
  SyncBatchNormScope(const SyncBatchNormScope&) = delete;
  SyncBatchNormScope& operator=(const SyncBatchNormScope&) = delete;
  static Communicator* active();

 private:
  Communicator* previous_;
};

// Training-mode batch norm over the group's global batch. `running_mean`/`running_var` (views, may be
// undefined) are updated in place with the global statistics when defined.
torch::Tensor SyncBatchNorm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            torch::Tensor running_mean, torch::Tensor running_var, double momentum,
                            double eps, Communicator& communicator);

}  // namespace torchnas
