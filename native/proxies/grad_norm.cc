// grad_norm: the Euclidean norm of the loss gradient of each conv/linear weight, summed over layers.
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {

ProxyResult GradNorm(ProxyContext& context) {
  const LossPass& pass = context.Loss();
  ProxyResult result;
  for (size_t i = 0; i < context.layers().size(); ++i) {
    const torch::Tensor& grad = pass.weight_grads[i];
    result.Add(context.layers()[i].name, grad.defined() ? grad.norm().item<double>() : 0.0);
  }
  return result;
}

}  // namespace torchnas
