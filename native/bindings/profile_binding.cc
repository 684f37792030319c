// The Session's operator-profile methods: startProfile() and stopProfile() -> {seconds, ops}. Both
// run on the session's worker, so the profile holds exactly the work queued between them.
#include "bindings/session_methods.h"
#include "bindings/js_values.h"
#include "latency/op_profile.h"

namespace torchnas {
namespace {

Napi::Value StartProfile(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session&) -> MakeJsValue {
    StartOpProfile();
    return [](Napi::Env env) -> Napi::Value { return env.Undefined(); };
  });
}

Napi::Value StopProfile(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session&) -> MakeJsValue {
    auto profile = std::make_shared<OpProfile>(StopOpProfile());
    return [profile](Napi::Env env) -> Napi::Value {
      Napi::Array ops = Napi::Array::New(env, profile->ops.size());
      for (size_t i = 0; i < profile->ops.size(); ++i) {
        const OpTime& op = profile->ops[i];
        Napi::Object row = StatsObject(
            env,
            {{"calls", static_cast<double>(op.calls)}, {"selfMs", op.self_ms}, {"totalMs", op.total_ms}});
        row.Set("name", op.name);
        ops.Set(static_cast<uint32_t>(i), row);
      }
      Napi::Object out = StatsObject(env, {{"seconds", profile->seconds}});
      out.Set("ops", ops);
      return out;
    };
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& ProfileSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {{"startProfile", &StartProfile},
                                                          {"stopProfile", &StopProfile}};
  return methods;
}

}  // namespace torchnas
