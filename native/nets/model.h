// What a session trains: any module mapping an image batch to class logits. Fixed networks
// (nets/network.h) and, later, supernets implement it.
#pragma once
#include <torch/torch.h>

namespace torchnas {

class Model : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  int64_t ParameterCount() const {
    int64_t total = 0;
    for (const auto& p : parameters()) total += p.numel();
    return total;
  }
};

}  // namespace torchnas
