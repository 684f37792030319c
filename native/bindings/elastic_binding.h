// The Session's one-shot elastic supernet methods (buildElastic, supernetEpoch, scoreSubnets, ...),
// kept apart from session_binding.cc: each reads its arguments on the JS thread and queues its work
// on the session through `queue`.
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

#include "boundary/async_call.h"
#include "train/session.h"

namespace torchnas {

using SessionQueue = std::function<Napi::Promise(Napi::Env, std::function<MakeJsValue(Session&)>)>;
using SessionMethod = Napi::Value (*)(const Napi::CallbackInfo&, const SessionQueue&);

struct NamedSessionMethod {
  const char* name;
  SessionMethod method;
};

const std::vector<NamedSessionMethod>& ElasticSessionMethods();
// The ShiftNAS methods (shiftnas_binding.cc).
const std::vector<NamedSessionMethod>& ShiftNasSessionMethods();
// Operator profiles: startProfile, stopProfile (profile_binding.cc).
const std::vector<NamedSessionMethod>& ProfileSessionMethods();
const std::vector<NamedSessionMethod>& DistSessionMethods();
// Path supernets: RSPS training, masks, gradient matching (gm_binding.cc).
const std::vector<NamedSessionMethod>& PathSupernetSessionMethods();
// The free function cosineDistances({vectors}) (gm_binding.cc).
Napi::Value CosineDistancesBinding(const Napi::CallbackInfo& info);

// A subnet {resolution, stages: [{width, kernels, expands}]} from JS and back.
ElasticChoice ReadElasticChoice(const Napi::Object& o);
Napi::Object ChoiceObject(Napi::Env env, const ElasticChoice& c);

}  // namespace torchnas
