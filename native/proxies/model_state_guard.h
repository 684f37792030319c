// Puts a model back as it was: proxies rescale or re-draw weights, change their dtype, update
// BatchNorm statistics and settings, switch modes and leave gradients behind. The guard copies every
// parameter and buffer, and restores them (dtype included), the mode and the BatchNorm options when it
// goes, and drops gradients. Parameters keep their identity, so an optimizer holding them is unaffected.
#pragma once
#include <torch/torch.h>

#include <utility>
#include <vector>

namespace torchnas {

class ModelStateGuard {
 public:
  explicit ModelStateGuard(torch::nn::Module& model);
  ~ModelStateGuard();
  ModelStateGuard(const ModelStateGuard&) = delete;
  ModelStateGuard& operator=(const ModelStateGuard&) = delete;

 private:
  torch::nn::Module& model_;
  bool training_;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> tensors_;  // (live, saved copy)
  std::vector<std::pair<torch::nn::BatchNorm2dImpl*, torch::nn::BatchNormOptions>> batch_norms_;
};

}  // namespace torchnas
