#include "common/error.h"
#include "proxies/proxy.h"

namespace torchnas {

ProxyFunction FindProxy(const std::string& name) {
  static const std::pair<const char*, ProxyFunction> kProxies[] = {
      {"grad_norm", GradNorm}, {"snip", Snip},     {"grasp", Grasp}, {"fisher", Fisher}, {"synflow", Synflow},
      {"jacob_cov", JacobCov}, {"naswot", Naswot}, {"zen", Zen},     {"params", Params}, {"flops", Flops},
  };
  std::string known;
  for (const auto& [proxy, function] : kProxies) {
    if (name == proxy) return function;
    known += (known.empty() ? "" : ", ") + std::string(proxy);
  }
  Fail(codes::kInvalidArgument, "unknown zero-cost proxy '" + name + "' (known: " + known + ")");
}

}  // namespace torchnas
