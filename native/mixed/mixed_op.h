// A mixed operation: N candidate blocks on one edge of a supernet. Only the chosen candidate runs
// with autograd; the architecture logits live outside (the supernet owns them), and the choice is an
// argument of forward, not state set beforehand.
#pragma once
#include <torch/torch.h>

#include "common/device.h"
#include "mixed/edge_choice.h"
#include "nets/network_spec.h"

namespace torchnas {

class MixedOpImpl : public torch::nn::Module {
 public:
  explicit MixedOpImpl(const std::vector<BlockSpec>& candidates);

  // `alpha` is required when choice.members is not empty (an architecture step).
  torch::Tensor forward(const torch::Tensor& x, const EdgeChoice& choice, GateMode mode, const torch::Tensor& alpha,
                        const ExecutionConfig& exec);
  // Candidate j on x, with autograd as the caller has it.
  torch::Tensor RunCandidate(int64_t j, const torch::Tensor& x);
  int64_t size() const { return static_cast<int64_t>(candidates_.size()); }

 private:
  std::vector<torch::nn::AnyModule> candidates_;
};
TORCH_MODULE(MixedOp);

}  // namespace torchnas
