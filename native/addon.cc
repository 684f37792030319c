// The torchnas native addon: registers the bindings (see binding.d.ts for the JS view of each).
#include <napi.h>

#include <unistd.h>

#include <cstdlib>

#include "bindings/addon_state.h"
#include "common/caching_cpu_allocator.h"

namespace torchnas {

AddonState& State(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

namespace {

// A quarter of physical memory, or TORCHNAS_CPU_CACHE_MB (0 turns caching off).
size_t CpuCacheBudget() {
  if (const char* mb = std::getenv("TORCHNAS_CPU_CACHE_MB"))
    return static_cast<size_t>(std::strtoull(mb, nullptr, 10)) << 20;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 4 : size_t{1} << 30;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallCachingCpuAllocator(CpuCacheBudget());
  env.SetInstanceData<AddonState>(new AddonState());
  InitInfoBinding(env, exports);
  InitDatasetBinding(env, exports);
  InitSessionBinding(env, exports);
  InitMultitaskBinding(env, exports);
  return exports;
}

}  // namespace torchnas

namespace {
Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return torchnas::Init(env, exports); }
}  // namespace

NODE_API_MODULE(torchnas, InitAddon)
