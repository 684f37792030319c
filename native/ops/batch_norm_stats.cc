#include "ops/batch_norm_stats.h"

#include "ops/sync_batch_norm.h"

namespace torchnas {
namespace {
thread_local bool frozen = false;
}

FreezeBatchNormStats::FreezeBatchNormStats() : previous_(frozen) { frozen = true; }
FreezeBatchNormStats::~FreezeBatchNormStats() { frozen = previous_; }
bool FreezeBatchNormStats::active() { return frozen; }

torch::Tensor BatchNormForward(torch::nn::BatchNorm2d& bn, const torch::Tensor& x) {
  const bool sync = bn->is_training() && SyncBatchNormScope::active();
  if (!sync && (!frozen || !bn->is_training())) return bn->forward(x);
  return PrefixBatchNorm(*bn, x);
}

torch::Tensor PrefixBatchNorm(const torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x) {
  const int64_t c = x.size(1);
  auto prefix = [c](const torch::Tensor& t) { return t.narrow(0, 0, c); };
  const bool training = bn.is_training();
  const bool update = training && !frozen;
  if (update) {
    torch::NoGradGuard no_grad;
    bn.num_batches_tracked.add_(1);
  }
  if (training && SyncBatchNormScope::active()) {
    return SyncBatchNorm(
        x, prefix(bn.weight), prefix(bn.bias), update ? prefix(bn.running_mean) : torch::Tensor(),
        update ? prefix(bn.running_var) : torch::Tensor(), bn.options.momentum().value_or(0.1),
        bn.options.eps(), *SyncBatchNormScope::active());
  }
  // Undefined running statistics (frozen training) make batch_norm use and keep only the batch's own.
  const bool running = !training || update;
  return torch::batch_norm(
      x, prefix(bn.weight), prefix(bn.bias), running ? prefix(bn.running_mean) : torch::Tensor(),
      running ? prefix(bn.running_var) : torch::Tensor(), training, bn.options.momentum().value_or(0.1),
      bn.options.eps(), at::globalContext().userEnabledCuDNN());
}

}  // namespace torchnas
