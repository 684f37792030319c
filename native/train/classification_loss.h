// The loss of a weight step: cross-entropy with label smoothing, on logits of at least fp32 (autocast
// may hand back bf16; fp64 sessions keep fp64).
#pragma once
#include <torch/torch.h>

namespace torchnas {

inline torch::Tensor ClassificationLoss(const torch::Tensor& logits, const torch::Tensor& labels,
                                        double label_smoothing) {
  return torch::nn::functional::cross_entropy(
      logits.scalar_type() == torch::kFloat64 ? logits : logits.to(torch::kFloat32), labels,
      torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing));
}

}  // namespace torchnas
