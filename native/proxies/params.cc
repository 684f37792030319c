// params: the number of parameters, per module (its own parameters, not its children's).
#include "proxies/proxy.h"
#include "proxies/proxy_context.h"

namespace torchnas {

ProxyResult Params(ProxyContext& context) {
  ProxyResult result;
  for (const auto& item : context.model().named_modules()) {
    int64_t count = 0;
    for (const auto& p : item.value()->parameters(/*recurse=*/false)) count += p.numel();
    if (count > 0) result.Add(item.key(), static_cast<double>(count));
  }
  return result;
}

}  // namespace torchnas
