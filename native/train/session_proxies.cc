// Session::ZeroCostProxies: scores the session's fixed network with zero-cost proxies (native/proxies).
#include <chrono>

#include <ATen/CPUGeneratorImpl.h>

#include "common/error.h"
#include "proxies/model_state_guard.h"
#include "proxies/proxy_context.h"
#include "train/session.h"

namespace torchnas {

std::vector<std::pair<std::string, ProxyResult>> Session::ZeroCostProxies(
    std::shared_ptr<const DatasetView> data, const ProxyRequest& request) {
  Model& model = RequireModel();
  if (model.IsPathSupernet())
    Fail(codes::kState,
         "zero-cost proxies score a fixed network: build one (buildNetwork, buildNb201) first");
  Require(!request.proxies.empty(), "name at least one proxy");
  Require(request.loader.batch_size >= 1, "the batch size must be at least 1");
  Require(request.input.channels > 0 && request.input.height > 0 && request.input.width > 0,
          "the input shape must be positive");
  std::vector<ProxyFunction> functions;
  for (const std::string& name : request.proxies) functions.push_back(FindProxy(name));

  // One seed decides the batch, the noise, the labels drawn without a dataset, and Zen's weights.
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(request.loader.seed);
  ProxyBatch batch = data ? LoadProxyBatch(data, request.loader, request.input)
                          : NoiseBatch(request.loader.batch_size, request.input, generator);
  ProxyContext context(model, std::move(batch), request.input, options_.exec, generator);
  std::vector<std::pair<std::string, ProxyResult>> results;
  for (size_t i = 0; i < functions.size(); ++i) {
    if (*options_.cancelled) Fail(codes::kClosed, "the session was closed while computing proxies");
    const auto start = std::chrono::steady_clock::now();
    ModelStateGuard restore(model);
    ProxyResult result = functions[i](context);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    results.emplace_back(request.proxies[i], std::move(result));
  }
  return results;
}

}  // namespace torchnas
