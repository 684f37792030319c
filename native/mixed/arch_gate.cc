#include "mixed/arch_gate.h"

namespace torchnas {

torch::Tensor GateLogitGradient(const torch::Tensor& alpha, const std::vector<int64_t>& members,
                                const torch::Tensor& gate_gradients) {
  torch::Tensor index =
      torch::tensor(members, torch::TensorOptions().dtype(torch::kLong).device(alpha.device()));
  // At least fp32 (bf16 autocast), fp64 in fp64 sessions.
  const auto dtype = alpha.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  torch::Tensor p = torch::softmax(alpha.detach().index_select(0, index).to(dtype), 0);
  torch::Tensor g = gate_gradients.to(dtype);
  torch::Tensor member_grad = p * (g - (p * g).sum());
  return torch::zeros_like(alpha).index_add_(0, index, member_grad.to(alpha.scalar_type()));
}

torch::Tensor ArchGate::forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& active_output,
                                const torch::Tensor& alpha, c10::intrusive_ptr<GateContext> gate) {
  ctx->save_for_backward({active_output, alpha});
  ctx->saved_data["gate"] = c10::IValue::make_capsule(std::move(gate));
  return active_output;
}

torch::autograd::variable_list ArchGate::backward(torch::autograd::AutogradContext* ctx,
                                                  torch::autograd::variable_list grad_outputs) {
  const auto saved = ctx->get_saved_variables();
  const torch::Tensor& active_output = saved[0];
  const torch::Tensor& alpha = saved[1];
  auto gate = c10::static_intrusive_pointer_cast<GateContext>(ctx->saved_data["gate"].toCapsule());
  const torch::Tensor grad = grad_outputs[0];

  torch::Tensor gate_gradients;
  {
    torch::NoGradGuard no_grad;
    const auto dtype = grad.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
    const torch::Tensor grad32 = grad.to(dtype);
    std::vector<torch::Tensor> dots;
    dots.reserve(gate->members.size());
    for (size_t k = 0; k < gate->members.size(); ++k) {
      const int64_t j = gate->members[k];
      torch::Tensor out;
      if (j == gate->active)
        out = active_output;
      else if (!gate->kept.empty())
        out = gate->kept[k];
      else
        out = gate->rerun(j);  // freed after the product: one extra output alive at a time
      dots.push_back((out.to(dtype) * grad32).sum());
    }
    gate_gradients = torch::stack(dots);
    if (gate->record) *gate->record = gate_gradients.to(torch::kCPU, torch::kFloat64);
  }
  // The gate context holds the edge input: release it as soon as this edge is done.
  gate->input = torch::Tensor();
  gate->kept.clear();
  return {grad, GateLogitGradient(alpha, gate->members, gate_gradients), torch::Tensor()};
}

}  // namespace torchnas
