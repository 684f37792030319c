#include "proxies/loss_pass.h"

#include "proxies/op_observer.h"
#include "proxies/proxy_context.h"
#include "train/classification_loss.h"

namespace torchnas {

LossPass RunLossPass(ProxyContext& context) {
  Model& model = context.model();
  const std::vector<WeightLayer>& layers = context.layers();
  model.train();
  DropGradients(model);
  std::vector<std::vector<torch::Tensor>> outputs(layers.size());
  torch::Tensor logits = ObserveForward(
      [&](const OpCall& call) {
        if (call.kind != ObservedOp::kConvolution && call.kind != ObservedOp::kMatmul) return;
        const int64_t layer = LayerOfCall(layers, call);
        if (layer < 0 || !call.output.requires_grad()) return;
        call.output.retain_grad();
        outputs[static_cast<size_t>(layer)].push_back(call.output);
      },
      [&] { return model.forward(context.images()); });
  ClassificationLoss(logits, context.Labels(logits.size(1)), 0.0).backward();

  LossPass pass;
  for (size_t i = 0; i < layers.size(); ++i) {
    const torch::Tensor& grad = layers[i].weight.grad();
    pass.weight_grads.push_back(grad.defined() ? grad.detach().clone() : torch::Tensor());
    std::vector<LayerActivation> calls;
    for (const torch::Tensor& z : outputs[i]) {
      torch::Tensor dz = z.grad();
      calls.push_back({z.detach(), dz.defined() ? dz.detach() : torch::zeros_like(z)});
    }
    pass.activations.push_back(std::move(calls));
  }
  return pass;
}

}  // namespace torchnas
