// Activation functions named in architecture descriptions.
#pragma once
#include <torch/torch.h>

#include <string>

namespace torchnas {

enum class Activation { kNone, kReLU, kReLU6, kHardSwish, kSwish };

Activation ParseActivation(const std::string& name);
torch::Tensor Apply(Activation activation, const torch::Tensor& x);
torch::Tensor HardSigmoid(const torch::Tensor& x);

}  // namespace torchnas
