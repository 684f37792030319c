// What a session trains: any module mapping an image batch to class logits. Fixed networks
// (nets/network.h) and, later, supernets implement it.
#pragma once
#include <torch/torch.h>

#include "common/error.h"

namespace torchnas {

class Model : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // The feature map [B, C, H, W] that global pooling would reduce (what Zen-score measures). Models
  // without one say so.
  virtual torch::Tensor ForwardFeatures(const torch::Tensor& /*x*/) {
    Fail(codes::kState, "this model has no feature map before global pooling");
  }
  // Training mode with every Dropout in eval mode: deterministic passes that still use batch
  // statistics (BN recalibration, finite differences).
  void TrainWithoutDropout() {
    train();
    apply([](torch::nn::Module& m) {
      if (dynamic_cast<torch::nn::DropoutImpl*>(&m)) m.eval();
    });
  }
  // State beside parameters and buffers that every data-parallel rank starts from alike (a
  // supernet's architecture logits).
  virtual std::vector<torch::Tensor> ReplicatedState() { return {}; }
  // A weight-sharing supernet whose forward runs one path of choices at a time.
  virtual bool IsPathSupernet() const { return false; }
  int64_t ParameterCount() const {
    int64_t total = 0;
    for (const auto& p : parameters()) total += p.numel();
    return total;
  }
};

}  // namespace torchnas
