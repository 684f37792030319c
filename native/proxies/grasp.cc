// grasp (Wang et al. 2020, sign as in zero-cost-nas): sum of -theta * (H g) over conv/linear weights,
// where g is the loss gradient and H g the Hessian-gradient product, by double backpropagation.
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"
#include "train/classification_loss.h"

namespace torchnas {

ProxyResult Grasp(ProxyContext& context) {
  Model& model = context.model();
  const std::vector<WeightLayer>& layers = context.layers();
  model.train();
  std::vector<torch::Tensor> weights;
  for (const auto& layer : layers) weights.push_back(layer.weight);
  torch::Tensor logits = model.forward(context.images());
  torch::Tensor loss = ClassificationLoss(logits, context.Labels(logits.size(1)), 0.0);
  std::vector<torch::Tensor> grads = torch::autograd::grad({loss}, weights, {}, /*retain_graph=*/true,
                                                           /*create_graph=*/true, /*allow_unused=*/true);
  // z = g . g with the first g held constant: dz/dtheta = H g.
  torch::Tensor z = torch::zeros({}, loss.options());
  for (const torch::Tensor& g : grads) {
    if (g.defined()) z = z + (g.detach() * g).sum();
  }
  std::vector<torch::Tensor> hessian_grads(weights.size());
  if (z.requires_grad()) {
    hessian_grads = torch::autograd::grad({z}, weights, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                          /*allow_unused=*/true);
  }
  ProxyResult result;
  for (size_t i = 0; i < layers.size(); ++i) {
    const torch::Tensor& hg = hessian_grads[i];
    result.Add(layers[i].name, hg.defined() ? (-weights[i].detach() * hg).sum().item<double>() : 0.0);
  }
  return result;
}

}  // namespace torchnas
