// A fixed (non-searchable) network built from a NetworkSpec.
#pragma once
#include <torch/torch.h>

#include "nets/model.h"
#include "nets/network_spec.h"

namespace torchnas {

class NetworkImpl : public Model {
 public:
  explicit NetworkImpl(const NetworkSpec& spec);
  torch::Tensor forward(const torch::Tensor& x) override;
  // The blocks before the first global pooling block.
  torch::Tensor ForwardFeatures(const torch::Tensor& x) override;
  const NetworkSpec& spec() const { return spec_; }

 private:
  NetworkSpec spec_;
  torch::nn::Sequential body_{nullptr};
};

std::shared_ptr<NetworkImpl> BuildNetwork(const NetworkSpec& spec);

}  // namespace torchnas
