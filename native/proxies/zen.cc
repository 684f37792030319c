// Zen-score (Lin et al. 2021, "Zen-NAS"): with Gaussian weights (N(0, 1); BatchNorm scale 1, shift 0)
// and BatchNorm in training mode, f the feature map before global pooling, x and e Gaussian batches:
// log(mean over the batch of sum |f(x) - f(x + 0.01 e)|) + sum over BatchNorm layers of
// log sqrt(mean over channels of the batch variance). Per layer: "features" (the first term) and each
// BatchNorm's term. A BatchNorm whose input is all zeros (a cell path cut by `none` edges) carries no
// signal and is left out: its log 0 would make every such architecture -infinity.
#include <cmath>

#include "common/error.h"
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {
namespace {

constexpr double kMixupGamma = 1e-2;

void GaussianInit(ProxyContext& context) {
  torch::NoGradGuard no_grad;
  for (const WeightLayer& layer : context.layers()) {
    layer.weight.copy_(context.Gaussian(layer.weight.sizes()));
    if (layer.bias.defined()) layer.bias.zero_();
  }
  for (const auto& bn : BatchNormLayers(context.model())) {
    if (bn.module->weight.defined()) bn.module->weight.fill_(1.0);
    if (bn.module->bias.defined()) bn.module->bias.zero_();
    // Running variance = the variance of the last batch.
    bn.module->options.momentum(1.0);
  }
}

}  // namespace

ProxyResult Zen(ProxyContext& context) {
  Model& model = context.model();
  GaussianInit(context);
  model.train();
  torch::NoGradGuard no_grad;
  const int64_t n = context.images().size(0);
  torch::Tensor x = context.Noise(n);
  torch::Tensor mixed = x + kMixupGamma * context.Noise(n);
  torch::Tensor features = model.ForwardFeatures(x);
  torch::Tensor mixed_features = model.ForwardFeatures(mixed);
  Require(features.dim() == 4, "Zen-score needs a [B, C, H, W] feature map");
  ProxyResult result;
  result.Add("features", std::log((features - mixed_features).abs().sum({1, 2, 3}).mean().item<double>()));
  for (const auto& bn : BatchNormLayers(model)) {
    if (!bn.module->running_var.defined()) continue;
    const double variance = bn.module->running_var.mean().item<double>();
    if (variance > 0.0) result.Add(bn.name, 0.5 * std::log(variance));
  }
  return result;
}

}  // namespace torchnas
