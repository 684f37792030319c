// flops: floating-point operations of one forward pass of one image, counted as NAS-Bench-201 counts
// them (its flop_benchmark.py): a multiply-add per weight use in convolutions and linear layers, one
// add per bias, and kernel-area operations per output of average and max pooling; BatchNorm,
// activations, additions and global pooling are free. Per conv/linear module, and "pooling".
#include "proxies/op_observer.h"
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {
namespace {

double LayerFlops(const WeightLayer& layer, const OpCall& call) {
  const auto outputs = static_cast<double>(call.output.numel());
  // A conv weight is [out, in / groups, kh, kw], a linear one [out, in]: each output uses numel / out.
  const auto uses_per_output = static_cast<double>(layer.weight.numel() / layer.weight.size(0));
  return outputs * uses_per_output + (layer.bias.defined() ? outputs : 0.0);
}

double PoolFlops(const OpCall& call) {
  if (call.kernel.empty()) return 0.0;
  const int64_t area =
      call.kernel.size() == 1 ? call.kernel[0] * call.kernel[0] : call.kernel[0] * call.kernel[1];
  return static_cast<double>(call.output.numel() * area);
}

}  // namespace

ProxyResult Flops(ProxyContext& context) {
  Model& model = context.model();
  const std::vector<WeightLayer>& layers = context.layers();
  std::vector<double> per_layer(layers.size(), 0.0);
  double pooling = 0.0;
  model.eval();
  torch::NoGradGuard no_grad;
  ObserveForward(
      [&](const OpCall& call) {
        if (call.kind == ObservedOp::kPool) {
          pooling += PoolFlops(call);
        } else if (call.kind == ObservedOp::kConvolution || call.kind == ObservedOp::kMatmul) {
          const int64_t layer = LayerOfCall(layers, call);
          if (layer >= 0)
            per_layer[static_cast<size_t>(layer)] += LayerFlops(layers[static_cast<size_t>(layer)], call);
        }
      },
      [&] { return model.forward(context.Constant(1, 0.0, torch::kFloat32)); });
  ProxyResult result;
  for (size_t i = 0; i < layers.size(); ++i) result.Add(layers[i].name, per_layer[i]);
  if (pooling > 0.0) result.Add("pooling", pooling);
  return result;
}

}  // namespace torchnas
