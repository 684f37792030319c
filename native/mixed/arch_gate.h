// The binarized gate as a pass-through autograd node. Forward returns the active candidate's output
// unchanged, so the active path is an ordinary autograd graph (NNI's pattern, chosen because a
// data-parallel wrapper would then see an ordinary module; torchnas has no data-parallel training
// yet). Backward passes dL/dout through to that path and adds the edge's architecture gradient:
//   dL/dg_j     = <out_j, dL/dout>        for every member j (out_j: the edge's output with j chosen)
//   dL/dalpha_i = sum_j dL/dg_j p_j (delta_ij - p_i) = p_i (dL/dg_i - sum_j p_j dL/dg_j)
// with p the softmax of the members' logits: one vectorized expression, no scalar loop. The active
// candidate's dL/dg comes from its own output even when it is the Zero op, so no edge ever loses its
// gradient.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace torchnas {

struct GateContext : torch::CustomClassHolder {
  std::vector<int64_t> members;
  int64_t active = 0;
  torch::Tensor input;  // the edge input, to re-run inactive candidates (two, full_v2)
  // full mode: outputs of the inactive members, by position in `members` (undefined for the active).
  std::vector<torch::Tensor> kept;
  // Runs candidate j on the saved input without grad and without BN statistics updates.
  std::function<torch::Tensor(int64_t)> rerun;
  std::shared_ptr<torch::Tensor> record;  // optional: receives dL/dg
};

class ArchGate : public torch::autograd::Function<ArchGate> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& active_output,
                               const torch::Tensor& alpha, c10::intrusive_ptr<GateContext> gate);
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs);
};

// dL/dalpha over `members` from dL/dg over the same members (the softmax Jacobian product).
torch::Tensor GateLogitGradient(const torch::Tensor& alpha, const std::vector<int64_t>& members,
                                const torch::Tensor& gate_gradients);

}  // namespace torchnas
