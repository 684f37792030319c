// JS Session: owns a Session and the DeviceQueue thread that runs every call on it, in order.
#include <napi.h>

#include "bindings/addon_state.h"
#include "bindings/dataset_binding.h"
#include "bindings/session_methods.h"
#include "bindings/js_values.h"
#include "bindings/spec_readers.h"
#include "boundary/async_call.h"
#include "boundary/js_args.h"
#include "common/device_memory.h"
#include "common/error.h"
#include "train/session.h"

namespace torchnas {
namespace {

Napi::Object TimingObject(Napi::Env env, const TimingStats& s) {
  return StatsObject(env, {{"count", static_cast<double>(s.count)},
                           {"mean", s.mean},
                           {"median", s.median},
                           {"variance", s.variance},
                           {"p10", s.p10},
                           {"p90", s.p90},
                           {"iqr", s.iqr},
                           {"min", s.min},
                           {"max", s.max}});
}

}  // namespace

class SessionBinding : public Napi::ObjectWrap<SessionBinding> {
 public:
  static Napi::Function Define(Napi::Env env) {
    std::vector<PropertyDescriptor> methods = {
        InstanceMethod<&SessionBinding::Describe>("describe"),
        InstanceMethod<&SessionBinding::BuildNetwork>("buildNetwork"),
        InstanceMethod<&SessionBinding::BuildNb201>("buildNb201"),
        InstanceMethod<&SessionBinding::ZeroCostProxies>("zeroCostProxies"),
        InstanceMethod<&SessionBinding::ConfigureTraining>("configureTraining"),
        InstanceMethod<&SessionBinding::TrainEpoch>("trainEpoch"),
        InstanceMethod<&SessionBinding::Evaluate>("evaluate"),
        InstanceMethod<&SessionBinding::SaveCheckpoint>("saveCheckpoint"),
        InstanceMethod<&SessionBinding::LoadCheckpoint>("loadCheckpoint"),
        InstanceMethod<&SessionBinding::StateTensors>("stateTensors"),
        InstanceMethod<&SessionBinding::SetStateTensors>("setStateTensors"),
        InstanceMethod<&SessionBinding::ProbeLoss>("probeLoss"),
        InstanceMethod<&SessionBinding::LoadWeights>("loadWeights"),
        InstanceMethod<&SessionBinding::ProfileLayers>("profileLayers"),
        InstanceMethod<&SessionBinding::ProfileNetwork>("profileNetwork"),
        InstanceMethod<&SessionBinding::MemoryStats>("memoryStats"),
        InstanceMethod<&SessionBinding::Cancel>("cancel"),
        InstanceMethod<&SessionBinding::Close>("close")};
    // Methods defined by concern in their own files, each reached through Dispatch.
    for (const auto* table :
         {&ProxylessSessionMethods(), &ElasticSessionMethods(), &ShiftNasSessionMethods(),
          &PathSupernetSessionMethods(), &MultitaskSessionMethods(), &DartsSessionMethods(),
          &PinasSessionMethods(), &ParzcSessionMethods(), &ProfileSessionMethods(), &DistSessionMethods()}) {
      for (const NamedSessionMethod& m : *table) {
        methods.push_back(InstanceMethod(m.name, &SessionBinding::Dispatch, napi_default,
                                         const_cast<void*>(static_cast<const void*>(&m))));
      }
    }
    return DefineClass(env, "Session", methods);
  }

  explicit SessionBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SessionBinding>(info) {
    RunSync(info.Env(), [&]() -> Napi::Value {
      Napi::Object o = js::ObjectArg(info, 0, "Session");
      SessionOptions options;
      options.exec.device = ParseDevice(js::String(o, "device", "cpu"));
      options.exec.precision = ParsePrecision(js::String(o, "precision", "fp32"));
      options.exec.channels_last = ReadChannelsLast(o, options.exec.device, options.exec.precision);
      options.threads = js::Integer(o, "threads", 0);
      options.seed = static_cast<uint64_t>(js::Integer(o, "seed", 0));
      options.cudnn_benchmark = js::Bool(o, "cudnnBenchmark", true);
      options.micro_batches = js::Integer(o, "microBatches", 1);
      if (options.micro_batches < 1) js::ThrowInvalid(info.Env(), "microBatches must be a whole number >= 1");
      live_ = std::make_shared<LiveSession>();
      live_->slot = std::make_shared<SessionSlot>();
      options.cancelled = live_->slot->cancelled;
      live_->queue = std::make_unique<DeviceQueue>();
      // Thread settings (OpenMP) belong to the thread that sets them: make the Session on its worker.
      auto slot = live_->slot;
      live_->queue->Push([slot, options] { slot->session = std::make_shared<Session>(options); });
      std::lock_guard<std::mutex> lock(State(info.Env()).mutex);
      State(info.Env()).ReapEnded();
      State(info.Env()).sessions.insert(live_);
      return info.Env().Undefined();
    });
  }

  ~SessionBinding() override {
    if (!live_) return;
    // Joining here could stall the event loop for a whole job: cancel, and let a later session (or
    // the environment's teardown) join the worker once it has ended.
    live_->Cancel();
    std::lock_guard<std::mutex> lock(State(Env()).mutex);
    State(Env()).ReapEnded();
  }

 private:
  Napi::Value Dispatch(const Napi::CallbackInfo& info) {
    const auto* m = static_cast<const NamedSessionMethod*>(info.Data());
    return m->method(info, [this](Napi::Env env, std::function<MakeJsValue(Session&)> work) {
      return Queue(env, std::move(work));
    });
  }

  Napi::Promise Queue(Napi::Env env, std::function<MakeJsValue(Session&)> work) {
    auto slot = live_->slot;
    return QueueWork(env, *live_->queue, [slot, work = std::move(work)]() -> MakeJsValue {
      if (!slot->session) Fail(codes::kClosed, "the session failed to start");
      return work(*slot->session);
    });
  }

  Napi::Value Describe(const Napi::CallbackInfo& info) {
    return Queue(info.Env(), [](Session& s) -> MakeJsValue {
      const auto& o = s.options();
      std::string device = DeviceName(o.exec.device), precision = PrecisionName(o.exec.precision);
      bool channels_last = o.exec.channels_last;
      int64_t threads = at::get_num_threads(), step = s.global_step();
      return [=](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("device", device);
        out.Set("precision", precision);
        out.Set("channelsLast", channels_last);
        out.Set("threads", static_cast<double>(threads));
        out.Set("globalStep", static_cast<double>(step));
        return out;
      };
    });
  }

  // memoryStats({resetPeak}) -> {available, allocatedBytes, peakAllocatedBytes, reservedBytes,
  // peakReservedBytes}: the device's caching allocator, read after the work queued before it.
  Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
    bool reset_peak = RunSyncValue(info.Env(), [&] {
      return info.Length() > 0 && info[0].IsObject()
                 ? js::Bool(info[0].As<Napi::Object>(), "resetPeak", false)
                 : false;
    });
    return Queue(info.Env(), [reset_peak](Session& s) -> MakeJsValue {
      DeviceMemoryStats m = ReadDeviceMemory(s.options().exec.device, reset_peak);
      return [m](Napi::Env env) -> Napi::Value {
        Napi::Object out = StatsObject(env, {{"allocatedBytes", m.allocated_bytes},
                                             {"peakAllocatedBytes", m.peak_allocated_bytes},
                                             {"reservedBytes", m.reserved_bytes},
                                             {"peakReservedBytes", m.peak_reserved_bytes}});
        out.Set("available", m.available);
        return out;
      };
    });
  }

  Napi::Value BuildNetwork(const Napi::CallbackInfo& info) {
    NetworkSpec spec =
        RunSyncValue(info.Env(), [&] { return ReadNetworkSpec(js::ObjectArg(info, 0, "buildNetwork")); });
    return Queue(info.Env(), [spec](Session& s) -> MakeJsValue {
      int64_t parameters = s.BuildNetwork(spec);
      return [parameters](Napi::Env env) -> Napi::Value {
        return StatsObject(env, {{"parameters", static_cast<double>(parameters)}});
      };
    });
  }

  Napi::Value BuildNb201(const Napi::CallbackInfo& info) {
    Nb201Spec spec =
        RunSyncValue(info.Env(), [&] { return ReadNb201Spec(js::ObjectArg(info, 0, "buildNb201")); });
    return Queue(info.Env(), [spec](Session& s) -> MakeJsValue {
      int64_t parameters = s.BuildNb201(spec);
      return [parameters](Napi::Env env) -> Napi::Value {
        return StatsObject(env, {{"parameters", static_cast<double>(parameters)}});
      };
    });
  }

  // zeroCostProxies(dataset | null, {proxies, input: {channels, height, width}, ...loader options})
  //   -> {[proxy]: {total, layers: {[name]: value}, seconds}}
  Napi::Value ZeroCostProxies(const Napi::CallbackInfo& info) {
    std::shared_ptr<const DatasetView> data;
    if (!info[0].IsNull() && !info[0].IsUndefined()) data = DatasetBinding::ViewOf(info[0]);
    ProxyRequest request =
        RunSyncValue(info.Env(), [&] { return ReadProxyRequest(js::ObjectArg(info, 1, "zeroCostProxies")); });
    return Queue(info.Env(), [data, request](Session& s) -> MakeJsValue {
      auto results = std::make_shared<std::vector<std::pair<std::string, ProxyResult>>>(
          s.ZeroCostProxies(data, request));
      return [results](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        for (const auto& [name, result] : *results) {
          Napi::Object proxy = Napi::Object::New(env);
          proxy.Set("total", result.total);
          proxy.Set("layers", StatsObject(env, result.layers));
          proxy.Set("seconds", result.seconds);
          out.Set(name, proxy);
        }
        return out;
      };
    });
  }

  Napi::Value ConfigureTraining(const Napi::CallbackInfo& info) {
    Napi::Object o = js::ObjectArg(info, 0, "configureTraining");
    OptimizerSpec optimizer;
    optimizer.kind =
        RunSyncValue(info.Env(), [&] { return ParseOptimizerKind(js::String(o, "optimizer", "sgd")); });
    optimizer.lr = js::Number(o, "lr");
    optimizer.momentum = js::Number(o, "momentum", optimizer.momentum);
    optimizer.nesterov = js::Bool(o, "nesterov", optimizer.nesterov);
    optimizer.weight_decay = js::Number(o, "weightDecay", optimizer.weight_decay);
    optimizer.beta1 = js::Number(o, "beta1", optimizer.beta1);
    optimizer.beta2 = js::Number(o, "beta2", optimizer.beta2);
    ScheduleSpec schedule;
    schedule.warmup_steps = js::Integer(o, "warmupSteps", 0);
    schedule.total_steps = js::Integer(o, "totalSteps");
    schedule.final_lr_ratio = js::Number(o, "finalLrRatio", 0.0);
    schedule.restart_step = js::Integer(o, "restartStep", 0);
    LossSpec loss;
    loss.label_smoothing = js::Number(o, "labelSmoothing", 0.0);
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue {
      s.ConfigureTraining(optimizer, schedule, loss);
      return NoResult();
    });
  }

  Napi::Value TrainEpoch(const Napi::CallbackInfo& info) {
    auto data = DatasetBinding::ViewOf(info[0]);
    Napi::Object o = js::ObjectArg(info, 1, "trainEpoch");
    LoaderOptions loader = ReadLoaderOptions(o);
    int64_t progress_every = js::Integer(o, "progressEvery", 20);
    auto sink =
        std::make_shared<ProgressSink>(info.Env(), info.Length() > 2 ? info[2] : info.Env().Undefined());
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue {
      EpochStats st =
          s.TrainEpoch(data, loader, progress_every, [&](const ProgressSink::Record& r) { sink->Emit(r); });
      return EpochObject(st);
    });
  }

  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    auto data = DatasetBinding::ViewOf(info[0]);
    LoaderOptions loader = ReadLoaderOptions(js::ObjectArg(info, 1, "evaluate"));
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue { return EvalObject(s.Evaluate(data, loader)); });
  }

  Napi::Value SaveCheckpoint(const Napi::CallbackInfo& info) {
    std::string path = js::String(js::ObjectArg(info, 0, "saveCheckpoint"), "path");
    return Queue(info.Env(), [path](Session& s) -> MakeJsValue {
      s.SaveCheckpoint(path);
      int64_t step = s.global_step();
      return [step](Napi::Env env) -> Napi::Value {
        return StatsObject(env, {{"globalStep", static_cast<double>(step)}});
      };
    });
  }

  Napi::Value LoadCheckpoint(const Napi::CallbackInfo& info) {
    std::string path = js::String(js::ObjectArg(info, 0, "loadCheckpoint"), "path");
    return Queue(info.Env(), [path](Session& s) -> MakeJsValue {
      s.LoadCheckpoint(path);
      int64_t step = s.global_step();
      return [step](Napi::Env env) -> Napi::Value {
        return StatsObject(env, {{"globalStep", static_cast<double>(step)}});
      };
    });
  }

  // stateTensors({float64}) -> {[name]: Float32Array | Float64Array}
  Napi::Value StateTensors(const Napi::CallbackInfo& info) {
    const bool float64 = RunSyncValue(info.Env(), [&] {
      return info.Length() > 0 && info[0].IsObject() ? js::Bool(info[0].As<Napi::Object>(), "float64", false)
                                                     : false;
    });
    return Queue(info.Env(), [float64](Session& s) -> MakeJsValue {
      auto tensors = std::make_shared<std::vector<std::pair<std::string, torch::Tensor>>>(
          s.StateTensors(float64 ? torch::kFloat64 : torch::kFloat32));
      return [tensors](Napi::Env env) -> Napi::Value { return NamedArrays(env, *tensors); };
    });
  }

  // setStateTensors({tensors: {[name]: number array}}): every parameter and buffer, by name.
  Napi::Value SetStateTensors(const Napi::CallbackInfo& info) {
    auto values = RunSyncValue(info.Env(), [&] {
      return ReadNamedVectors(js::ObjectField(js::ObjectArg(info, 0, "setStateTensors"), "tensors"));
    });
    return Queue(info.Env(), [values](Session& s) -> MakeJsValue {
      s.SetStateTensors(values);
      return NoResult();
    });
  }

  // loadWeights({path}): only the model's weights from a checkpoint (train --init).
  Napi::Value LoadWeights(const Napi::CallbackInfo& info) {
    const std::string path = js::String(js::ObjectArg(info, 0, "loadWeights"), "path");
    return Queue(info.Env(), [path](Session& s) -> MakeJsValue {
      s.LoadWeights(path);
      return NoResult();
    });
  }

  // probeLoss(dataset, {batchSize, augment}) -> {evalLogits, trainLogits, loss, gradients}
  Napi::Value ProbeLoss(const Napi::CallbackInfo& info) {
    auto data = DatasetBinding::ViewOf(info[0]);
    Napi::Object o = js::ObjectArg(info, 1, "probeLoss");
    LoaderOptions loader = ReadLoaderOptions(o);
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue {
      auto probe = std::make_shared<LossProbe>(s.ProbeLoss(data, loader));
      return [probe](Napi::Env env) -> Napi::Value { return ProbeObject(env, *probe); };
    });
  }

  // profileLayers({layers: [{block, input}], batch, warmup, repeats, cudaGraph, foldBatchNorm}, onProgress)
  //   -> {layers: TimingStats[], method, threads}
  Napi::Value ProfileLayers(const Napi::CallbackInfo& info) {
    Napi::Object o = js::ObjectArg(info, 0, "profileLayers");
    auto probes = RunSyncValue(info.Env(), [&] { return ReadLayerProbes(o); });
    ProfileOptions options = ReadProfileOptions(o);
    auto sink =
        std::make_shared<ProgressSink>(info.Env(), info.Length() > 1 ? info[1] : info.Env().Undefined());
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue {
      const double total = static_cast<double>(probes.size());
      auto profiles =
          std::make_shared<std::vector<Profile>>(s.ProfileLayers(probes, options, [&](size_t done) {
            sink->Emit({{"done", static_cast<double>(done)}, {"total", total}});
          }));
      const double threads = at::get_num_threads();
      return [profiles, threads](Napi::Env env) -> Napi::Value {
        Napi::Array layers = Napi::Array::New(env, profiles->size());
        for (size_t i = 0; i < profiles->size(); ++i)
          layers.Set(static_cast<uint32_t>(i), TimingObject(env, (*profiles)[i].stats));
        Napi::Object out = Napi::Object::New(env);
        out.Set("layers", layers);
        out.Set("method", profiles->empty() ? std::string() : profiles->front().method);
        out.Set("threads", threads);
        return out;
      };
    });
  }

  // profileNetwork({network, batch, warmup, repeats, cudaGraph, foldBatchNorm}) -> {stats, method, threads}
  Napi::Value ProfileNetwork(const Napi::CallbackInfo& info) {
    Napi::Object o = js::ObjectArg(info, 0, "profileNetwork");
    NetworkSpec spec =
        RunSyncValue(info.Env(), [&] { return ReadNetworkSpec(js::ObjectField(o, "network")); });
    ProfileOptions options = ReadProfileOptions(o);
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue {
      Profile profile = s.ProfileNetwork(spec, options);
      const double threads = at::get_num_threads();
      return [profile, threads](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("stats", TimingObject(env, profile.stats));
        out.Set("method", profile.method);
        out.Set("threads", threads);
        return out;
      };
    });
  }

  // An abort: the running epoch stops at its next step and rejects with E_CLOSED, as does later
  // training; the session stays open so that the caller can close it.
  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    *live_->slot->cancelled = true;
    return info.Env().Undefined();
  }

  // Finishes queued work, then lets the worker thread end; later calls reject with E_CLOSED.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    auto slot = live_->slot;
    Napi::Promise done = QueueWork(info.Env(), *live_->queue, [slot]() -> MakeJsValue {
      // Free the network, optimizer and buffers now, on their own thread: V8 does not see this
      // memory, so waiting for the wrapper to be collected let closed sessions pile up.
      slot->session.reset();
      return NoResult();
    });
    live_->queue->Drain();
    return done;
  }

  std::shared_ptr<LiveSession> live_;
};

void LiveSession::Stop() {
  *slot->cancelled = true;
  queue->Close();
}

void LiveSession::Cancel() {
  *slot->cancelled = true;
  queue->Drain();
}

void AddonState::ReapEnded() {
  for (auto it = sessions.begin(); it != sessions.end();) {
    if ((*it)->queue->exited()) {
      (*it)->queue->Close();
      it = sessions.erase(it);
    } else {
      ++it;
    }
  }
}

AddonState::~AddonState() {
  for (const auto& live : sessions) live->Stop();
}

Napi::Object InitSessionBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("Session", SessionBinding::Define(env));
  return exports;
}

}  // namespace torchnas
