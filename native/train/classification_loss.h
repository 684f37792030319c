// The training loss of every step, weight or architecture: cross-entropy on fp32 logits (autocast
// may hand back bf16) with label smoothing.
#pragma once
#include <torch/torch.h>

namespace torchnas {

inline torch::Tensor ClassificationLoss(const torch::Tensor& logits, const torch::Tensor& labels, double label_smoothing) {
  return torch::nn::functional::cross_entropy(
      logits.to(torch::kFloat32), labels,
      torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing));
}

}  // namespace torchnas
