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
        if (call.kind != ObservedOp::kActivation || call.inputs.empty() || call.inputs[0].size(0) != n)
          return;
        // c c^T + (1 - c)(1 - c)^T = 2 c c^T - s 1^T - 1 s^T + units (s: each row's ones): one product,
        // in float32, exact while a layer has fewer than 2^24 units per image.
        torch::Tensor codes = (call.inputs[0] > 0).reshape({n, -1}).to(torch::kFloat32);
        torch::Tensor ones = codes.sum(1);
        torch::Tensor agree = 2.0 * codes.mm(codes.t()) - ones.unsqueeze(1) - ones.unsqueeze(0) +
                              static_cast<double>(codes.size(1));
        agreement += agree.to(torch::kFloat64);
        ++activations;
      },
      [&] { return model.forward(images); });
  if (activations == 0) Fail(codes::kState, "naswot needs ReLU-type activations, and this model runs none");
  ProxyResult result;
  result.total = std::get<1>(at::linalg_slogdet(agreement.cpu())).item<double>();
  return result;
}

}  // namespace torchnas
