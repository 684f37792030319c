#include "proxies/model_layers.h"

namespace torchnas {

std::vector<WeightLayer> WeightLayers(torch::nn::Module& model) {
  std::vector<WeightLayer> layers;
  for (const auto& item : model.named_modules()) {
    if (auto* conv = item.value()->as<torch::nn::Conv2dImpl>())
      layers.push_back({item.key(), conv->weight, conv->bias});
    else if (auto* linear = item.value()->as<torch::nn::LinearImpl>())
      layers.push_back({item.key(), linear->weight, linear->bias});
  }
  return layers;
}

std::vector<BatchNormLayer> BatchNormLayers(torch::nn::Module& model) {
  std::vector<BatchNormLayer> layers;
  for (const auto& item : model.named_modules()) {
    if (auto* bn = item.value()->as<torch::nn::BatchNorm2dImpl>()) layers.push_back({item.key(), bn});
  }
  return layers;
}

int64_t LayerOfCall(const std::vector<WeightLayer>& layers, const OpCall& call) {
  for (const torch::Tensor& input : call.inputs) {
    for (size_t i = 0; i < layers.size(); ++i) {
      const torch::Tensor& weight = layers[i].weight;
      if (input.data_ptr() == weight.data_ptr() && input.numel() == weight.numel())
        return static_cast<int64_t>(i);
    }
  }
  return -1;
}

void DropGradients(torch::nn::Module& model) {
  for (auto& p : model.parameters()) p.mutable_grad() = torch::Tensor();
}

}  // namespace torchnas
