// jacob_cov (Mellor et al. 2020, as zero-cost-nas computes it): J holds, per input of the batch, the
// gradient of the sum of the network's outputs with respect to that input; with C the correlation
// matrix of J's rows and v its eigenvalues, the score is -sum(log(v + k) + 1 / (v + k)), k = 1e-5.
// Not a sum over layers. NaN when a row of J is constant (an output that ignores its input).
#include <limits>

#include "common/error.h"
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {

ProxyResult JacobCov(ProxyContext& context) {
  Model& model = context.model();
  const int64_t n = context.images().size(0);
  Require(n >= 2, "jacob_cov needs a batch of at least 2 images");
  model.train();
  torch::Tensor x = context.images().detach().clone().set_requires_grad(true);
  torch::Tensor y = model.forward(x);
  y.backward(torch::ones_like(y));
  torch::Tensor jacobian = x.grad().defined() ? x.grad() : torch::zeros_like(x);
  jacobian = jacobian.reshape({n, -1}).to(torch::kCPU, torch::kFloat64);

  torch::Tensor centered = jacobian - jacobian.mean(1, /*keepdim=*/true);
  torch::Tensor covariance = centered.mm(centered.t());
  torch::Tensor scale = covariance.diagonal().sqrt();
  torch::Tensor correlation = covariance / scale.unsqueeze(1) / scale.unsqueeze(0);
  ProxyResult result;
  if (!torch::isfinite(correlation).all().item<bool>()) {
    result.total = std::numeric_limits<double>::quiet_NaN();
    return result;
  }
  const double k = 1e-5;
  torch::Tensor v = at::linalg_eigvalsh(correlation, "L") + k;
  result.total = -(v.log() + v.reciprocal()).sum().item<double>();
  return result;
}

}  // namespace torchnas
