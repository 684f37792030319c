// info(): what this build of torchnas runs on.
#include <torch/torch.h>
#include <torch/version.h>

#include "bindings/addon_state.h"
#include "bindings/session_methods.h"
#include "boundary/async_call.h"
#include "common/caching_cpu_allocator.h"
#include "dist/communicator.h"

#ifdef TORCHNAS_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace torchnas {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("torchVersion", TORCH_VERSION);
#ifdef TORCHNAS_WITH_CUDA
    out.Set("builtWithCuda", true);
#else
    out.Set("builtWithCuda", false);
#endif
    const bool cuda = torch::cuda::is_available();
    out.Set("cudaAvailable", cuda);
    out.Set("cudnnAvailable", cuda && torch::cuda::cudnn_is_available());
    out.Set("distributedAvailable", DistributedAvailable());
    out.Set("interopThreads", static_cast<double>(at::get_num_interop_threads()));
    out.Set("parallelInfo", at::get_parallel_info());
    Napi::Array devices = Napi::Array::New(env);
    uint32_t next = 0;
    Napi::Object cpu = Napi::Object::New(env);
    cpu.Set("id", "cpu");
    cpu.Set("name", "CPU");
    devices.Set(next++, cpu);
    if (cuda) {
      for (size_t i = 0; i < torch::cuda::device_count(); ++i) {
        Napi::Object d = Napi::Object::New(env);
        d.Set("id", "cuda:" + std::to_string(i));
#ifdef TORCHNAS_WITH_CUDA
        const auto* props = at::cuda::getDeviceProperties(static_cast<int64_t>(i));
        d.Set("name", props->name);
        d.Set("memoryBytes", static_cast<double>(props->totalGlobalMem));
        d.Set("capability", std::to_string(props->major) + "." + std::to_string(props->minor));
#else
        d.Set("name", "CUDA device");
#endif
        devices.Set(next++, d);
      }
    }
    out.Set("devices", devices);
    const CpuCacheStats cache = CachingCpuAllocatorStats();
    Napi::Object allocator = Napi::Object::New(env);
    allocator.Set("cachedBytes", static_cast<double>(cache.cached_bytes));
    allocator.Set("hits", static_cast<double>(cache.hits));
    allocator.Set("misses", static_cast<double>(cache.misses));
    out.Set("cpuAllocator", allocator);
    return out;
  });
}

}  // namespace

Napi::Object InitInfoBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("cosineDistances", Napi::Function::New(env, CosineDistancesBinding, "cosineDistances"));
  return exports;
}

}  // namespace torchnas
