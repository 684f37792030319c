// The torchnas native addon: registers the bindings (see binding.d.ts for the JS view of each).
#include <napi.h>

#include "bindings/addon_state.h"

namespace torchnas {

AddonState& State(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<AddonState>(new AddonState());
  InitInfoBinding(env, exports);
  InitDatasetBinding(env, exports);
  InitSessionBinding(env, exports);
  return exports;
}

}  // namespace torchnas

namespace {
Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return torchnas::Init(env, exports); }
}  // namespace

NODE_API_MODULE(torchnas, InitAddon)
