// One forward and backward of the cross-entropy loss on the proxy batch, in training mode: the weight
// gradients grad_norm and snip read, and each conv/linear output with its gradient, which fisher reads.
#pragma once
#include <torch/torch.h>

#include <vector>

namespace torchnas {

class ProxyContext;

struct LayerActivation {
  torch::Tensor output;  // the layer's output z
  torch::Tensor grad;    // dL/dz
};

struct LossPass {
  std::vector<torch::Tensor> weight_grads;  // per scored layer; undefined: no gradient reached it
  std::vector<std::vector<LayerActivation>> activations;  // per scored layer, one per call
};

LossPass RunLossPass(ProxyContext& context);

}  // namespace torchnas
