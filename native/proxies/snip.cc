// snip (Lee et al. 2019): sum of |theta * dL/dtheta| over conv/linear weights, the loss gradient of a
// multiplicative mask of ones on each weight.
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {

ProxyResult Snip(ProxyContext& context) {
  const LossPass& pass = context.Loss();
  ProxyResult result;
  for (size_t i = 0; i < context.layers().size(); ++i) {
    const torch::Tensor& grad = pass.weight_grads[i];
    const torch::Tensor& weight = context.layers()[i].weight;
    result.Add(context.layers()[i].name,
               grad.defined() ? (weight.detach() * grad).abs().sum().item<double>() : 0.0);
  }
  return result;
}

}  // namespace torchnas
