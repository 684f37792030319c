#include "boundary/async_call.h"

#include <c10/util/Exception.h>

#include <thread>

#include "common/error.h"

namespace torchnas {
namespace {

struct Outcome {
  MakeJsValue make;  // set on success
  std::string code;
  std::string message;
};

struct PendingPromise {
  explicit PendingPromise(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise::Deferred deferred;
};

void Settle(Napi::Env env, Napi::Function, PendingPromise* pending, Outcome* outcome) {
  std::unique_ptr<PendingPromise> owned(pending);
  std::unique_ptr<Outcome> result(outcome);
  if (env == nullptr) return;  // the environment is shutting down
  Napi::HandleScope scope(env);
  if (result->make) {
    try {
      pending->deferred.Resolve(result->make(env));
    } catch (const Napi::Error& e) {
      pending->deferred.Reject(e.Value());
    } catch (const std::exception& e) {
      pending->deferred.Reject(MakeError(env, codes::kNative, e.what()).Value());
    }
  } else {
    pending->deferred.Reject(MakeError(env, result->code, result->message).Value());
  }
}

using SettleFunction = Napi::TypedThreadSafeFunction<PendingPromise, Outcome, Settle>;

// Runs `work` and describes how it ended; never throws.
Outcome* RunCaught(const NativeWork& work) {
  auto* outcome = new Outcome();
  try {
    outcome->make = work();
  } catch (const Napi::Error& e) {
    outcome->code = codes::kNative;
    outcome->message = e.what();
  } catch (const Error& e) {
    outcome->code = e.code();
    outcome->message = e.what();
  } catch (const c10::Error& e) {
    outcome->code = codes::kTorch;
    outcome->message = std::string("LibTorch: ") + e.what_without_backtrace();
  } catch (const std::bad_alloc&) {
    outcome->code = codes::kNative;
    outcome->message = "out of memory: reduce the batch size or the network width";
  } catch (const std::exception& e) {
    outcome->code = codes::kNative;
    outcome->message = e.what();
  }
  if (!outcome->make && outcome->message.empty()) outcome->message = "native work failed";
  return outcome;
}

std::pair<Napi::Promise, std::shared_ptr<SettleFunction>> NewSettler(Napi::Env env) {
  auto* pending = new PendingPromise(env);
  Napi::Promise promise = pending->deferred.Promise();
  auto settle = std::make_shared<SettleFunction>(SettleFunction::New(env, "torchnas", 0, 1, pending));
  return {promise, settle};
}

}  // namespace

Napi::Error MakeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

Napi::Value RunSync(Napi::Env env, const std::function<Napi::Value()>& work) {
  std::unique_ptr<Outcome> failure;
  try {
    return work();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    failure.reset(RunCaught([]() -> MakeJsValue { throw; }));
  }
  throw MakeError(env, failure->code, failure->message);
}

Napi::Promise QueueWork(Napi::Env env, DeviceQueue& queue, NativeWork work) {
  auto [promise, settle] = NewSettler(env);
  bool queued = queue.Push([settle, work = std::move(work)] {
    settle->BlockingCall(RunCaught(work));
    settle->Release();
  });
  if (!queued) {
    settle->BlockingCall(new Outcome{nullptr, codes::kClosed, "the session is closed: create a new one"});
    settle->Release();
  }
  return promise;
}

Napi::Promise RunDetached(Napi::Env env, NativeWork work) {
  auto [promise, settle] = NewSettler(env);
  std::thread([settle, work = std::move(work)] {
    settle->BlockingCall(RunCaught(work));
    settle->Release();
  }).detach();
  return promise;
}

ProgressSink::ProgressSink(Napi::Env env, Napi::Value callback) {
  if (!callback.IsFunction()) return;
  tsfn_ = Napi::ThreadSafeFunction::New(env, callback.As<Napi::Function>(), "torchnas-progress", 0, 1);
  active_ = true;
}

ProgressSink::~ProgressSink() {
  if (active_) tsfn_.Release();
}

void ProgressSink::Emit(Record record) const {
  if (!active_) return;
  auto* data = new Record(std::move(record));
  napi_status status = tsfn_.NonBlockingCall(data, [](Napi::Env env, Napi::Function fn, Record* r) {
    std::unique_ptr<Record> owned(r);
    if (env == nullptr) return;
    Napi::Object object = Napi::Object::New(env);
    for (const auto& [key, value] : *owned) object.Set(key, Napi::Number::New(env, value));
    fn.Call({object});
  });
  if (status != napi_ok) delete data;
}

}  // namespace torchnas
