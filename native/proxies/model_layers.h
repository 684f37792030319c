// The layers zero-cost proxies score, found in any module tree by type and named by module path:
// convolutions and linear layers (their weights, as in Abdelfattah et al.'s zero-cost-nas), and
// BatchNorm layers (Zen-score, synflow).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "proxies/op_observer.h"

namespace torchnas {

struct WeightLayer {
  std::string name;
  torch::Tensor weight;
  torch::Tensor bias;  // undefined when the layer has none
};

struct BatchNormLayer {
  std::string name;
  torch::nn::BatchNorm2dImpl* module;
};

std::vector<WeightLayer> WeightLayers(torch::nn::Module& model);
std::vector<BatchNormLayer> BatchNormLayers(torch::nn::Module& model);

// The index in `layers` of the layer whose weight an observed op uses (a transposed view counts), or -1.
int64_t LayerOfCall(const std::vector<WeightLayer>& layers, const OpCall& call);

// Leaves every parameter without a gradient.
void DropGradients(torch::nn::Module& model);

}  // namespace torchnas
