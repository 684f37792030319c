#include "ops/batch_norm_stats.h"

namespace torchnas {
namespace {
thread_local bool frozen = false;
}

FreezeBatchNormStats::FreezeBatchNormStats() : previous_(frozen) { frozen = true; }
FreezeBatchNormStats::~FreezeBatchNormStats() { frozen = previous_; }
bool FreezeBatchNormStats::active() { return frozen; }

torch::Tensor BatchNormForward(torch::nn::BatchNorm2d& bn, const torch::Tensor& x) {
  if (!frozen || !bn->is_training()) return bn->forward(x);
  // Undefined running statistics make batch_norm use and keep nothing but the batch's own.
  return torch::batch_norm(x, bn->weight, bn->bias, /*running_mean=*/torch::Tensor(), /*running_var=*/torch::Tensor(),
                           /*training=*/true, /*momentum=*/0.0, bn->options.eps(), at::globalContext().userEnabledCuDNN());
}

}  // namespace torchnas
