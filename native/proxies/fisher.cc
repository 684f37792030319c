// fisher (Turner et al. 2020, as zero-cost-nas computes it): for each output channel k of a conv/linear
// layer, 0.5 * mean over the batch of (sum over positions of z * dL/dz)^2; the channel's value counts
// once per weight of that channel, so a layer scores sum_k value_k * (weights per channel).
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {

ProxyResult Fisher(ProxyContext& context) {
  const LossPass& pass = context.Loss();
  ProxyResult result;
  for (size_t i = 0; i < context.layers().size(); ++i) {
    const torch::Tensor& weight = context.layers()[i].weight;
    const double weights_per_channel = static_cast<double>(weight.numel() / weight.size(0));
    double value = 0.0;
    for (const LayerActivation& a : pass.activations[i]) {
      torch::Tensor per_channel = a.output * a.grad;  // [B, K, ...]
      if (per_channel.dim() > 2) per_channel = per_channel.flatten(2).sum(2);
      value += (0.5 * per_channel.pow(2).mean(0)).sum().item<double>() * weights_per_channel;
    }
    result.Add(context.layers()[i].name, value);
  }
  return result;
}

}  // namespace torchnas
