// The Session's data-parallel methods: connectDistributed({masterAddr, masterPort, rank, worldSize,
// timeoutMs, syncBatchNorm}) -> {rank, worldSize} (resolves once every rank has joined), and barrier().
#include "bindings/session_methods.h"
#include "bindings/js_values.h"
#include "boundary/js_args.h"
#include "dist/communicator.h"

namespace torchnas {
namespace {

Napi::Value ConnectDistributed(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Napi::Object o = js::ObjectArg(info, 0, "connectDistributed");
  DistOptions options;
  options.master_addr = js::String(o, "masterAddr", "127.0.0.1");
  options.master_port = js::Integer(o, "masterPort", 29500);
  options.rank = js::Integer(o, "rank", 0);
  options.world_size = js::Integer(o, "worldSize", 1);
  options.timeout = std::chrono::milliseconds(js::Integer(o, "timeoutMs", 300000));
  options.sync_batch_norm = js::Bool(o, "syncBatchNorm", false);
  return queue(info.Env(), [options](Session& s) -> MakeJsValue {
    s.ConnectDistributed(options);
    const double rank = static_cast<double>(s.DistributedRank()),
                 world = static_cast<double>(s.DistributedWorld());
    return [rank, world](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"rank", rank}, {"worldSize", world}});
    };
  });
}

Napi::Value Barrier(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session& s) -> MakeJsValue {
    s.BarrierIfDistributed();
    return [](Napi::Env env) -> Napi::Value { return env.Undefined(); };
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& DistSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {{"connectDistributed", &ConnectDistributed},
                                                          {"barrier", &Barrier}};
  return methods;
}

}  // namespace torchnas
