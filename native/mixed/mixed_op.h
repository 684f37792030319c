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
  // `shortcut`: the edge keeps its shape and adds its input to the candidates whose derived block
  // does so (MBConv, built here without its own residual) or vanishes (Zero: the edge passes h on).
  // A plain conv candidate has no shortcut in its derived block, so none here either.
  MixedOpImpl(const std::vector<BlockSpec>& candidates, bool shortcut);

  // `alpha` is required when choice.members is not empty (an architecture step).
  torch::Tensor forward(const torch::Tensor& x, const EdgeChoice& choice, GateMode mode,
                        const torch::Tensor& alpha, const ExecutionConfig& exec);
  // The edge's output when candidate j is chosen (with its shortcut), with autograd as the caller has it.
  torch::Tensor RunCandidate(int64_t j, const torch::Tensor& x);
  int64_t size() const { return static_cast<int64_t>(candidates_.size()); }

 private:
  std::vector<torch::nn::AnyModule> candidates_;
  std::vector<bool> adds_input_;
};
TORCH_MODULE(MixedOp);

}  // namespace torchnas
