#include "mixed/mixed_op.h"

#include "common/error.h"
#include "mixed/arch_gate.h"
#include "nets/block_factory.h"
#include "ops/batch_norm_stats.h"
#include "ops/mbconv.h"

namespace torchnas {

GateMode ParseGateMode(const std::string& name) {
  if (name == "full") return GateMode::kFull;
  if (name == "two") return GateMode::kTwo;
  if (name == "full_v2") return GateMode::kFullV2;
  Fail(codes::kInvalidArgument, "unknown gate mode '" + name + "': use full, two or full_v2");
}

MixedOpImpl::MixedOpImpl(const std::vector<BlockSpec>& candidates, bool shortcut) {
  Require(!candidates.empty(), "a mixed op needs at least one candidate");
  for (size_t i = 0; i < candidates.size(); ++i) {
    const BlockKind kind = candidates[i].kind;
    adds_input_.push_back(shortcut && (kind == BlockKind::kMBConv || kind == BlockKind::kZero));
    candidates_.push_back(MakeBlock(candidates[i], i));
    // Every candidate of a shortcut edge starts as the identity edge, so that early in training
    // randomly sampled paths compute nearly the same function (measured: 54% vs 34% validation
    // accuracy of sampled paths after 300 warm-up steps on Fashion-MNIST; BENCHMARKS.md).
    if (adds_input_.back() && kind == BlockKind::kMBConv) {
      candidates_.back().ptr()->as<MBConvImpl>()->ZeroInitLastBatchNorm();
    }
    register_module("candidate" + std::to_string(i), candidates_.back().ptr());
  }
}

torch::Tensor MixedOpImpl::RunCandidate(int64_t j, const torch::Tensor& x) {
  torch::Tensor y = candidates_.at(static_cast<size_t>(j)).forward(x);
  return adds_input_[static_cast<size_t>(j)] ? x + y : y;
}

torch::Tensor MixedOpImpl::forward(const torch::Tensor& x, const EdgeChoice& choice, GateMode mode,
                                   const torch::Tensor& alpha, const ExecutionConfig& exec) {
  torch::Tensor y = RunCandidate(choice.active, x);
  if (choice.members.empty()) return y;

  auto gate = c10::make_intrusive<GateContext>();
  gate->members = choice.members;
  gate->active = choice.active;
  gate->record = choice.gate_gradients;
  // Inactive candidates are only measured: no grad, no BN running-statistics updates, same autocast.
  auto measure = [this, exec](int64_t j, const torch::Tensor& input) {
    torch::NoGradGuard no_grad;
    FreezeBatchNormStats frozen;
    AutocastScope autocast(exec);
    return RunCandidate(j, input).detach();
  };
  if (mode == GateMode::kFull) {
    gate->kept.resize(choice.members.size());
    for (size_t k = 0; k < choice.members.size(); ++k) {
      if (choice.members[k] != choice.active) gate->kept[k] = measure(choice.members[k], x);
    }
  } else {
    gate->input = x.detach();
    GateContext* raw = gate.get();  // the closure lives inside the context it reads
    gate->rerun = [raw, measure](int64_t j) { return measure(j, raw->input); };
  }
  return ArchGate::apply(y, alpha, gate);
}

}  // namespace torchnas
