// Builds the module for one BlockSpec; shared by fixed networks and supernets.
#pragma once
#include <torch/torch.h>

#include "nets/network_spec.h"

namespace torchnas {

torch::nn::AnyModule MakeBlock(const BlockSpec& block, size_t index);
torch::nn::Sequential MakeSequential(const std::vector<BlockSpec>& blocks);

}  // namespace torchnas
