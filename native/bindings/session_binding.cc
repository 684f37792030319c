// JS Session: owns a Session and the DeviceQueue thread that runs every call on it, in order.
#include <napi.h>

#include "bindings/addon_state.h"
#include "bindings/dataset_binding.h"
#include "boundary/async_call.h"
#include "boundary/js_args.h"
#include "common/error.h"
#include "train/session.h"

namespace torchnas {
namespace {

NetworkSpec ReadNetworkSpec(const Napi::Object& o) {
  NetworkSpec spec;
  Napi::Object input = js::ObjectField(o, "input");
  spec.in_channels = js::Integer(input, "channels");
  spec.height = js::Integer(input, "height");
  spec.width = js::Integer(input, "width");
  spec.classes = js::Integer(o, "classes");
  for (const Napi::Object& b : js::ObjectArray(o, "blocks")) {
    BlockSpec block;
    block.kind = ParseBlockKind(js::String(b, "op"));
    block.in_channels = js::Integer(b, "in");
    block.out_channels = js::Integer(b, "out");
    block.kernel = js::Integer(b, "kernel", 1);
    block.stride = js::Integer(b, "stride", 1);
    block.expand = js::Integer(b, "expand", 1);
    block.se_ratio = js::Number(b, "se", 0.0);
    block.dropout = js::Number(b, "p", 0.0);
    block.activation = ParseActivation(js::String(b, "act", "relu"));
    spec.blocks.push_back(block);
  }
  return spec;
}

Napi::Object StatsObject(Napi::Env env, const std::vector<std::pair<std::string, double>>& fields) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& [key, value] : fields) out.Set(key, Napi::Number::New(env, value));
  return out;
}

}  // namespace

class SessionBinding : public Napi::ObjectWrap<SessionBinding> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Session",
                       {InstanceMethod<&SessionBinding::Describe>("describe"),
                        InstanceMethod<&SessionBinding::BuildNetwork>("buildNetwork"),
                        InstanceMethod<&SessionBinding::ConfigureTraining>("configureTraining"),
                        InstanceMethod<&SessionBinding::TrainEpoch>("trainEpoch"),
                        InstanceMethod<&SessionBinding::Evaluate>("evaluate"),
                        InstanceMethod<&SessionBinding::SaveCheckpoint>("saveCheckpoint"),
                        InstanceMethod<&SessionBinding::LoadCheckpoint>("loadCheckpoint"),
                        InstanceMethod<&SessionBinding::StateTensors>("stateTensors"),
                        InstanceMethod<&SessionBinding::Close>("close")});
  }

  explicit SessionBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SessionBinding>(info) {
    RunSync(info.Env(), [&]() -> Napi::Value {
      Napi::Object o = js::ObjectArg(info, 0, "Session");
      SessionOptions options;
      options.exec.device = ParseDevice(js::String(o, "device", "cpu"));
      options.exec.precision = ParsePrecision(js::String(o, "precision", "fp32"));
      options.exec.channels_last = js::Bool(o, "channelsLast", false);
      options.threads = js::Integer(o, "threads", 0);
      options.seed = static_cast<uint64_t>(js::Integer(o, "seed", 0));
      options.cudnn_benchmark = js::Bool(o, "cudnnBenchmark", true);
      live_ = std::make_shared<LiveSession>();
      live_->slot = std::make_shared<SessionSlot>();
      options.cancelled = live_->slot->cancelled;
      live_->queue = std::make_unique<DeviceQueue>();
      // Thread settings (OpenMP) belong to the thread that sets them: make the Session on its worker.
      auto slot = live_->slot;
      live_->queue->Push([slot, options] { slot->session = std::make_shared<Session>(options); });
      std::lock_guard<std::mutex> lock(State(info.Env()).mutex);
      State(info.Env()).sessions.insert(live_);
      return info.Env().Undefined();
    });
  }

  ~SessionBinding() override {
    if (!live_) return;
    live_->Stop();
    std::lock_guard<std::mutex> lock(State(Env()).mutex);
    State(Env()).sessions.erase(live_);
  }

 private:
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

  Napi::Value BuildNetwork(const Napi::CallbackInfo& info) {
    NetworkSpec spec = ReadNetworkSpec(js::ObjectArg(info, 0, "buildNetwork"));
    return Queue(info.Env(), [spec](Session& s) -> MakeJsValue {
      int64_t parameters = s.BuildNetwork(spec);
      return [parameters](Napi::Env env) -> Napi::Value {
        return StatsObject(env, {{"parameters", static_cast<double>(parameters)}});
      };
    });
  }

  Napi::Value ConfigureTraining(const Napi::CallbackInfo& info) {
    Napi::Object o = js::ObjectArg(info, 0, "configureTraining");
    OptimizerSpec optimizer;
    optimizer.kind = RunSyncValue(info.Env(), [&] { return ParseOptimizerKind(js::String(o, "optimizer", "sgd")); });
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
    LossSpec loss;
    loss.label_smoothing = js::Number(o, "labelSmoothing", 0.0);
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue {
      s.ConfigureTraining(optimizer, schedule, loss);
      return [](Napi::Env env) -> Napi::Value { return env.Undefined(); };
    });
  }

  Napi::Value TrainEpoch(const Napi::CallbackInfo& info) {
    auto data = DatasetBinding::ViewOf(info[0]);
    Napi::Object o = js::ObjectArg(info, 1, "trainEpoch");
    LoaderOptions loader = ReadLoaderOptions(o);
    int64_t progress_every = js::Integer(o, "progressEvery", 20);
    auto sink = std::make_shared<ProgressSink>(info.Env(), info.Length() > 2 ? info[2] : info.Env().Undefined());
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue {
      EpochStats st = s.TrainEpoch(data, loader, progress_every, [&](const ProgressSink::Record& r) { sink->Emit(r); });
      return [st](Napi::Env env) -> Napi::Value {
        return StatsObject(env, {{"steps", static_cast<double>(st.steps)},
                                 {"images", static_cast<double>(st.images)},
                                 {"loss", st.loss},
                                 {"top1", st.top1},
                                 {"seconds", st.seconds},
                                 {"lr", st.lr}});
      };
    });
  }

  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    auto data = DatasetBinding::ViewOf(info[0]);
    LoaderOptions loader = ReadLoaderOptions(js::ObjectArg(info, 1, "evaluate"));
    return Queue(info.Env(), [=](Session& s) -> MakeJsValue {
      EvalStats st = s.Evaluate(data, loader);
      return [st](Napi::Env env) -> Napi::Value {
        return StatsObject(env, {{"images", static_cast<double>(st.images)},
                                 {"loss", st.loss},
                                 {"top1", st.top1},
                                 {"top5", st.top5},
                                 {"seconds", st.seconds}});
      };
    });
  }

  Napi::Value SaveCheckpoint(const Napi::CallbackInfo& info) {
    std::string path = js::String(js::ObjectArg(info, 0, "saveCheckpoint"), "path");
    return Queue(info.Env(), [path](Session& s) -> MakeJsValue {
      s.SaveCheckpoint(path);
      int64_t step = s.global_step();
      return [step](Napi::Env env) -> Napi::Value { return StatsObject(env, {{"globalStep", static_cast<double>(step)}}); };
    });
  }

  Napi::Value LoadCheckpoint(const Napi::CallbackInfo& info) {
    std::string path = js::String(js::ObjectArg(info, 0, "loadCheckpoint"), "path");
    return Queue(info.Env(), [path](Session& s) -> MakeJsValue {
      s.LoadCheckpoint(path);
      int64_t step = s.global_step();
      return [step](Napi::Env env) -> Napi::Value { return StatsObject(env, {{"globalStep", static_cast<double>(step)}}); };
    });
  }

  Napi::Value StateTensors(const Napi::CallbackInfo& info) {
    return Queue(info.Env(), [](Session& s) -> MakeJsValue {
      auto tensors = std::make_shared<std::vector<std::pair<std::string, torch::Tensor>>>(s.StateTensors());
      return [tensors](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        for (const auto& [name, t] : *tensors) {
          Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(t.numel()));
          std::memcpy(a.Data(), t.data_ptr<float>(), a.ByteLength());
          out.Set(name, a);
        }
        return out;
      };
    });
  }

  // Finishes queued work, then lets the worker thread end; later calls reject with E_CLOSED.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Promise done = QueueWork(info.Env(), *live_->queue, []() -> MakeJsValue {
      return [](Napi::Env env) -> Napi::Value { return env.Undefined(); };
    });
    live_->queue->Drain();
    return done;
  }

  template <typename F>
  static auto RunSyncValue(Napi::Env env, F&& f) -> decltype(f()) {
    decltype(f()) value{};
    RunSync(env, [&]() -> Napi::Value {
      value = f();
      return env.Undefined();
    });
    return value;
  }

  std::shared_ptr<LiveSession> live_;
};

void LiveSession::Stop() {
  *slot->cancelled = true;
  queue->Close();
}

AddonState::~AddonState() {
  for (const auto& live : sessions) live->Stop();
}

Napi::Object InitSessionBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("Session", SessionBinding::Define(env));
  return exports;
}

}  // namespace torchnas
