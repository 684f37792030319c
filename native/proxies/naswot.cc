// NASWOT (Mellor et al. 2021, "Neural Architecture Search without Training", v2): each input of the
// batch gets a binary code, whether each unit entering a ReLU (or ReLU6, hard-swish, SiLU) is positive;
// K[i][j] counts the units where inputs i and j agree, K = c c^T + (1 - c)(1 - c)^T summed over the
// activations; the score is log |det K|. One forward in training mode. Not a sum over layers.
#include "common/error.h"
#include "proxies/op_observer.h"
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {

ProxyResult Naswot(ProxyContext& context) {
  Model& model = context.model();
  const torch::Tensor& images = context.images();
  const int64_t n = images.size(0);
  model.train();
  torch::NoGradGuard no_grad;
  torch::Tensor agreement = torch::zeros({n, n}, images.options().dtype(torch::kFloat64));
  int64_t activations = 0;
  ObserveForward(
      [&](const OpCall& call) {
        if (call.kind != ObservedOp::kActivation || call.inputs.empty() || call.inputs[0].size(0) != n) return;
        torch::Tensor codes = (call.inputs[0] > 0).reshape({n, -1}).to(torch::kFloat64);
        torch::Tensor complement = 1.0 - codes;
        agreement += codes.mm(codes.t()) + complement.mm(complement.t());
        ++activations;
      },
      [&] { return model.forward(images); });
  if (activations == 0) Fail(codes::kState, "naswot needs ReLU-type activations, and this model runs none");
  ProxyResult result;
  result.total = std::get<1>(at::linalg_slogdet(agreement.cpu())).item<double>();
  return result;
}

}  // namespace torchnas
