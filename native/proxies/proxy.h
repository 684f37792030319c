// A zero-cost proxy: a score of an untrained network from at most one batch, with the per-layer terms
// it sums where it is a sum over layers (named by module path). Each proxy is defined in its own file;
// definitions follow Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS" (ICLR 2021), and the
// papers of NASWOT (Mellor et al. 2021) and Zen-NAS (Lin et al. 2021).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace torchnas {

class ProxyContext;

struct ProxyResult {
  double total = 0.0;
  std::vector<std::pair<std::string, double>> layers;
  double seconds = 0.0;  // time taken (a pass several proxies share counts for the first)

  void Add(const std::string& layer, double value) {
    total += value;
    layers.emplace_back(layer, value);
  }
};

using ProxyFunction = ProxyResult (*)(ProxyContext&);

ProxyResult GradNorm(ProxyContext& context);
ProxyResult Snip(ProxyContext& context);
ProxyResult Grasp(ProxyContext& context);
ProxyResult Fisher(ProxyContext& context);
ProxyResult Synflow(ProxyContext& context);
ProxyResult JacobCov(ProxyContext& context);
ProxyResult Naswot(ProxyContext& context);
ProxyResult Zen(ProxyContext& context);
ProxyResult Params(ProxyContext& context);
ProxyResult Flops(ProxyContext& context);

// The proxy of a name (the names lib/proxies lists); E_INVALID_ARGUMENT for an unknown one.
ProxyFunction FindProxy(const std::string& name);

}  // namespace torchnas
