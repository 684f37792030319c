// The JS Session's methods beside the core's (session_binding.cc), one table per concern in a file of
// its own: each reads its arguments on the JS thread and queues its work on the session through
// `queue`; a family's methods reach its extension of the session (ElasticTraining::Of(session), ...).
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

// ProxylessNAS search on the chain supernet (proxyless_binding.cc).
const std::vector<NamedSessionMethod>& ProxylessSessionMethods();
// The one-shot elastic supernet (elastic_binding.cc).
const std::vector<NamedSessionMethod>& ElasticSessionMethods();
// The ShiftNAS methods (shiftnas_binding.cc).
const std::vector<NamedSessionMethod>& ShiftNasSessionMethods();
// Operator profiles: startProfile, stopProfile (profile_binding.cc).
const std::vector<NamedSessionMethod>& ProfileSessionMethods();
const std::vector<NamedSessionMethod>& DistSessionMethods();
// Path supernets: RSPS training, masks, gradient matching (path_supernet_binding.cc).
const std::vector<NamedSessionMethod>& PathSupernetSessionMethods();
// DARTS on the NB201 supernet (darts_binding.cc).
const std::vector<NamedSessionMethod>& DartsSessionMethods();
// Pi-NAS on the NB201 supernet (pinas_binding.cc).
const std::vector<NamedSessionMethod>& PinasSessionMethods();
// ParZC's predictor: build, train, predict (parzc_binding.cc).
const std::vector<NamedSessionMethod>& ParzcSessionMethods();
// FBNetV5's multitask network and search (multitask_binding.cc).
const std::vector<NamedSessionMethod>& MultitaskSessionMethods();
// The free function cosineDistances({vectors}) (path_supernet_binding.cc).
Napi::Value CosineDistancesBinding(const Napi::CallbackInfo& info);

}  // namespace torchnas
