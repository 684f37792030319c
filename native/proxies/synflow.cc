// synflow (Tanaka et al. 2020): with every parameter replaced by its absolute value, BatchNorm made the
// identity and float64 throughout, R = sum of the network's output on an all-ones input of batch 1;
// the score is sum of |theta * dR/dtheta| over conv/linear weights. No data, no labels.
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {
namespace {

void LinearizeInFloat64(Model& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters()) p.set_data(p.detach().to(torch::kFloat64).abs());
  for (auto& b : model.buffers()) {
    if (b.is_floating_point()) b.set_data(b.detach().to(torch::kFloat64));
  }
  // In eval mode, y = (x - mean) / sqrt(var + eps) * w + b is x itself with these.
  for (const auto& layer : BatchNormLayers(model)) {
    auto* bn = layer.module;
    bn->options.eps(0.0);
    if (bn->running_mean.defined()) bn->running_mean.zero_();
    if (bn->running_var.defined()) bn->running_var.fill_(1.0);
    if (bn->weight.defined()) bn->weight.fill_(1.0);
    if (bn->bias.defined()) bn->bias.zero_();
  }
  model.eval();
}

}  // namespace

ProxyResult Synflow(ProxyContext& context) {
  Model& model = context.model();
  LinearizeInFloat64(model);
  DropGradients(model);
  model.forward(context.Constant(1, 1.0, torch::kFloat64)).sum().backward();
  ProxyResult result;
  for (const WeightLayer& layer : context.layers()) {
    const torch::Tensor& grad = layer.weight.grad();
    result.Add(layer.name, grad.defined() ? (layer.weight.detach() * grad).abs().sum().item<double>() : 0.0);
  }
  return result;
}

}  // namespace torchnas
