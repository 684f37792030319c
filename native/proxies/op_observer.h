// Watches the ATen ops a forward pass runs on this thread, through LibTorch's RecordFunction
// callbacks, so that proxies can read layer outputs, activation inputs and FLOPs of any Model without
// hooks in its code. Only the outermost op of a layer is reported: aten::conv2d, not the
// aten::convolution it calls.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace torchnas {

enum class ObservedOp { kConvolution, kMatmul, kPool, kActivation };

struct OpCall {
  ObservedOp kind;
  std::vector<torch::Tensor> inputs;  // the tensor arguments, in order (copies for in-place ops)
  std::vector<int64_t> kernel;        // pooling window
  torch::Tensor output;               // the (first) result, autograd history included
};

using OpHandler = std::function<void(const OpCall&)>;

// Runs `forward` on this thread with `handler` called after each observed op (the ops the handler
// itself runs are not observed); a failure of the handler is rethrown once `forward` returns.
torch::Tensor ObserveForward(const OpHandler& handler, const std::function<torch::Tensor()>& forward);

}  // namespace torchnas
