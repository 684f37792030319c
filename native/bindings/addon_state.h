// Per-environment state of the addon: constructors needed to create wrapped objects from native
// results, and the live sessions to stop when the environment shuts down.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>

namespace torchnas {

class Session;
class DeviceQueue;

// Filled on the worker thread once the Session exists there; tasks hold the slot, never the queue.
struct SessionSlot {
  std::shared_ptr<Session> session;
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
};

// A session as the JS side owns it: the worker queue lives and dies on the JS thread.
struct LiveSession {
  std::shared_ptr<SessionSlot> slot;
  std::unique_ptr<DeviceQueue> queue;
  // Stops running work at its next step and joins the worker.
  void Stop();
  // Stops running work at its next step without waiting for the worker (finalizers must not block).
  void Cancel();
};

struct AddonState {
  ~AddonState();  // the environment is going away: stop every session still alive
  Napi::FunctionReference dataset_constructor;
  std::mutex mutex;
  std::set<std::shared_ptr<LiveSession>> sessions;
  // Joins and forgets sessions whose worker has ended, closed or collected (the join returns at once
  // and frees the thread's stack).
  void ReapEnded();
};

AddonState& State(Napi::Env env);

Napi::Object InitSessionBinding(Napi::Env env, Napi::Object exports);
Napi::Object InitDatasetBinding(Napi::Env env, Napi::Object exports);
Napi::Object InitInfoBinding(Napi::Env env, Napi::Object exports);
Napi::Object InitMultitaskBinding(Napi::Env env, Napi::Object exports);

}  // namespace torchnas
