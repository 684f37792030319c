#include "proxies/model_state_guard.h"

#include "proxies/model_layers.h"

namespace torchnas {

ModelStateGuard::ModelStateGuard(torch::nn::Module& model) : model_(model), training_(model.is_training()) {
  torch::NoGradGuard no_grad;
  for (const auto& p : model.parameters()) tensors_.emplace_back(p, p.detach().clone());
  for (const auto& b : model.buffers()) tensors_.emplace_back(b, b.detach().clone());
  for (const auto& layer : BatchNormLayers(model))
    batch_norms_.emplace_back(layer.module, layer.module->options);
}

ModelStateGuard::~ModelStateGuard() {
  try {
    torch::NoGradGuard no_grad;
    for (auto& [live, saved] : tensors_) live.set_data(saved);
    for (auto& [module, options] : batch_norms_) module->options = options;
    DropGradients(model_);
    model_.train(training_);
  } catch (const std::exception&) {
    // A destructor must not throw; restoring copies of tensors the model already held cannot fail in
    // practice.
  }
}

}  // namespace torchnas
