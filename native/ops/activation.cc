#include "ops/activation.h"

#include "common/error.h"

namespace torchnas {

Activation ParseActivation(const std::string& name) {
  if (name == "none") return Activation::kNone;
  if (name == "relu") return Activation::kReLU;
  if (name == "relu6") return Activation::kReLU6;
  if (name == "hswish") return Activation::kHardSwish;
  if (name == "swish") return Activation::kSwish;
  Fail(codes::kInvalidArgument, "unknown activation '" + name + "': use none, relu, relu6, hswish or swish");
}

namespace {
// LibTorch 1.13 has no bf16 CPU backward for hardtanh/hardswish/hardsigmoid: there, use the same
// functions written with clamp, whose backward exists for every dtype.
bool NeedsComposite(const torch::Tensor& x) { return x.is_cpu() && x.scalar_type() == torch::kBFloat16; }
}  // namespace

torch::Tensor HardSigmoid(const torch::Tensor& x) {
  return NeedsComposite(x) ? (x + 3.0).clamp(0.0, 6.0) / 6.0 : torch::hardsigmoid(x);
}

torch::Tensor Apply(Activation activation, const torch::Tensor& x) {
  switch (activation) {
    case Activation::kNone:
      return x;
    case Activation::kReLU:
      return torch::relu(x);
    case Activation::kReLU6:
      return NeedsComposite(x) ? x.clamp(0.0, 6.0) : torch::hardtanh(x, 0.0, 6.0);
    case Activation::kHardSwish:
      return NeedsComposite(x) ? x * HardSigmoid(x) : torch::hardswish(x);
    case Activation::kSwish:
      return torch::silu(x);
  }
  return x;
}

}  // namespace torchnas
