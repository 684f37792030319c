// Model construction draws initial weights from LibTorch's one global generator. Sessions on other
// threads may build at the same time: construction under the seed is serialized, so the same seed
// always gives the same weights.
#pragma once
#include <torch/torch.h>

#include <mutex>

namespace torchnas {

std::mutex& GlobalGeneratorMutex();

template <typename Make>
auto ConstructSeeded(uint64_t seed, Make make) -> decltype(make()) {
  std::lock_guard<std::mutex> lock(GlobalGeneratorMutex());
  torch::manual_seed(seed);
  return make();
}

}  // namespace torchnas
