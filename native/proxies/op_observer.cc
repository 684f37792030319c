#include "proxies/op_observer.h"

#include <ATen/record_function.h>

#include <cstring>
#include <exception>
#include <optional>

#include "common/error.h"

namespace torchnas {
namespace {

struct ObserverState {
  const OpHandler& handler;
  int depth = 0;  // observed ops open on the stack
  bool in_handler = false;
  std::exception_ptr failure;  // RecordFunction swallows exceptions of callbacks: keep the first
};
thread_local ObserverState* active = nullptr;

std::optional<ObservedOp> Classify(const char* name) {
  static const std::pair<const char*, ObservedOp> kOps[] = {
      {"aten::conv2d", ObservedOp::kConvolution},
      {"aten::convolution", ObservedOp::kConvolution},
      {"aten::_convolution", ObservedOp::kConvolution},
      {"aten::linear", ObservedOp::kMatmul},
      {"aten::addmm", ObservedOp::kMatmul},
      {"aten::mm", ObservedOp::kMatmul},
      {"aten::matmul", ObservedOp::kMatmul},
      {"aten::avg_pool2d", ObservedOp::kPool},
      {"aten::max_pool2d", ObservedOp::kPool},
      {"aten::max_pool2d_with_indices", ObservedOp::kPool},
      {"aten::relu", ObservedOp::kActivation},
      {"aten::relu_", ObservedOp::kActivation},
      {"aten::hardtanh", ObservedOp::kActivation},
      {"aten::hardswish", ObservedOp::kActivation},
      {"aten::silu", ObservedOp::kActivation},
  };
  for (const auto& [op, kind] : kOps) {
    if (std::strcmp(name, op) == 0) return kind;
  }
  return std::nullopt;
}

struct CallContext : at::ObserverContext {
  bool outermost = false;
  OpCall call;
};

std::unique_ptr<at::ObserverContext> OnStart(const at::RecordFunction& fn) {
  if (!active || active->in_handler) return nullptr;
  std::optional<ObservedOp> kind = Classify(fn.name());
  if (!kind) return nullptr;
  auto context = std::make_unique<CallContext>();
  context->outermost = active->depth++ == 0;
  if (!context->outermost) return context;
  context->call.kind = *kind;
  // An in-place op overwrites its input before the end callback: keep a copy.
  const bool in_place = fn.name()[std::strlen(fn.name()) - 1] == '_';
  for (const c10::IValue& input : fn.inputs()) {
    if (input.isTensor())
      context->call.inputs.push_back(in_place ? input.toTensor().clone() : input.toTensor());
  }
  if (*kind == ObservedOp::kPool && fn.inputs().size() > 1 && fn.inputs()[1].isIntList()) {
    context->call.kernel = fn.inputs()[1].toIntVector();
  }
  return context;
}

void OnEnd(const at::RecordFunction& fn, at::ObserverContext* observer_context) {
  auto* context = static_cast<CallContext*>(observer_context);
  if (!context || !active) return;
  --active->depth;
  if (!context->outermost || fn.outputs().empty() || !fn.outputs()[0].isTensor()) return;
  if (active->failure) return;
  context->call.output = fn.outputs()[0].toTensor();
  active->in_handler = true;
  try {
    active->handler(context->call);
  } catch (...) {
    active->failure = std::current_exception();
  }
  active->in_handler = false;
}

// Registers the callbacks for as long as it lives.
class Registration {
 public:
  explicit Registration(ObserverState* state) {
    if (active) Fail(codes::kState, "a forward pass is already observed on this thread");
    active = state;
    handle_ = at::addThreadLocalCallback(at::RecordFunctionCallback(OnStart, OnEnd)
                                             .needsInputs(true)
                                             .needsOutputs(true)
                                             .scopes({at::RecordScope::FUNCTION}));
  }
  ~Registration() {
    at::removeCallback(handle_);
    active = nullptr;
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  at::CallbackHandle handle_;
};

}  // namespace

torch::Tensor ObserveForward(const OpHandler& handler, const std::function<torch::Tensor()>& forward) {
  ObserverState state{handler};
  torch::Tensor output;
  {
    Registration registration(&state);
    output = forward();
  }
  if (state.failure) std::rethrow_exception(state.failure);
  return output;
}

}  // namespace torchnas
