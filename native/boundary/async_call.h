// Runs native work on a DeviceQueue and settles a JS Promise with the outcome. The work runs with no
// V8 access; it returns a small "make the JS value" closure that runs back on the JS thread.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "boundary/device_queue.h"

namespace torchnas {

using MakeJsValue = std::function<Napi::Value(Napi::Env)>;
using NativeWork = std::function<MakeJsValue()>;

// Queues `work` and returns the Promise it settles. Exceptions thrown by `work` (torchnas::Error,
// c10::Error, std::exception) reject the Promise with an Error carrying `code`.
Napi::Promise QueueWork(Napi::Env env, DeviceQueue& queue, NativeWork work);

// The same, on a short-lived thread of its own: for work that needs no session (loading a file).
Napi::Promise RunDetached(Napi::Env env, NativeWork work);

// Runs short native work on the JS thread, turning native exceptions into JS errors with a `code`.
Napi::Value RunSync(Napi::Env env, const std::function<Napi::Value()>& work);

// RunSync for a native value read from JS arguments (an option struct): errors become JS errors.
template <typename F>
auto RunSyncValue(Napi::Env env, F&& f) -> decltype(f()) {
  decltype(f()) value{};
  RunSync(env, [&]() -> Napi::Value {
    value = f();
    return env.Undefined();
  });
  return value;
}

// Makes a JS Error with a `code` property.
Napi::Error MakeError(Napi::Env env, const std::string& code, const std::string& message);

// Sends progress records to a JS callback from any thread, without blocking the worker. A record is a
// flat list of named numbers; the JS side receives a plain object.
class ProgressSink {
 public:
  using Record = std::vector<std::pair<std::string, double>>;
  ProgressSink() = default;
  // `callback` may be undefined: then Emit does nothing.
  ProgressSink(Napi::Env env, Napi::Value callback);
  ~ProgressSink();
  ProgressSink(const ProgressSink&) = delete;
  ProgressSink& operator=(const ProgressSink&) = delete;
  void Emit(Record record) const;

 private:
  Napi::ThreadSafeFunction tsfn_;
  bool active_ = false;
};

}  // namespace torchnas
