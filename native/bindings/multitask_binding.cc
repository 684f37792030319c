// JS view of FBNetV5's multitask search (search/fbnetv5.h): a MultitaskSearch object with a worker
// queue of its own, the canvas dataset's batches for inspection, the importance-weighted estimator as a
// pure function, and a probe that runs the supernet under a mask or a derived network (float64) for the
// supernet-equals-child test.
#include <napi.h>

#include "bindings/addon_state.h"
#include "bindings/dataset_binding.h"
#include "bindings/js_values.h"
#include "bindings/spec_readers.h"
#include "boundary/async_call.h"
#include "boundary/device_queue.h"
#include "boundary/js_args.h"
#include "nets/module_state.h"
#include "nets/seeded_construction.h"
#include "search/fbnetv5.h"

namespace torchnas {
namespace {

std::vector<TaskHead> ReadTasks(const Napi::Object& o) {
  std::vector<TaskHead> tasks;
  Napi::Value v = o.Get("tasks");
  if (!v.IsArray()) js::ThrowInvalid(o.Env(), "'tasks' must be an array of task names");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) tasks.push_back(ParseTaskHead(a.Get(i).ToString().Utf8Value()));
  return tasks;
}

Mask ReadMask(const Napi::Object& o, const char* key) {
  Mask mask;
  for (double v : ReadNumbers(o, key)) mask.push_back(v != 0.0);
  return mask;
}

MultiresSpec ReadMultiresSpec(const Napi::Object& o) {
  MultiresSpec s;
  s.in_channels = js::Integer(o, "inChannels", s.in_channels);
  s.classes = js::Integer(o, "classes", s.classes);
  s.widths = ReadIntegers(o, "widths");
  s.stages = js::Integer(o, "stages");
  s.depth = js::Integer(o, "depth");
  s.kernel = js::Integer(o, "kernel", s.kernel);
  s.expand = js::Integer(o, "expand", s.expand);
  s.head_width = js::Integer(o, "headWidth", s.head_width);
  s.present = ReadMask(o, "present");
  return s;
}

CanvasSpec ReadCanvasSpec(const Napi::Object& o) {
  CanvasSpec s;
  s.size = js::Integer(o, "size", s.size);
  s.min_items = js::Integer(o, "minItems", s.min_items);
  s.max_items = js::Integer(o, "maxItems", s.max_items);
  s.min_side = js::Integer(o, "minSide", s.min_side);
  s.max_side = js::Integer(o, "maxSide", s.max_side);
  s.foreground = js::Integer(o, "foreground", s.foreground);
  s.count = js::Integer(o, "count", s.count);
  s.seed = static_cast<uint64_t>(js::Integer(o, "seed", 0));
  s.mean = static_cast<float>(js::Number(o, "mean", 0.0));
  s.std = static_cast<float>(js::Number(o, "std", 1.0));
  return s;
}

MultitaskSpec ReadMultitaskSpec(const Napi::Object& o) {
  MultitaskSpec s;
  s.space = ReadMultiresSpec(js::ObjectField(o, "space"));
  s.tasks = ReadTasks(o);
  s.task_weights = ReadNumbers(o, "taskWeights");
  s.mode = ParseMultitaskMode(js::String(o, "mode", "importance"));
  s.block_macs = ReadNumbers(o, "blockMacs");
  s.fixed_macs = ReadNumbers(o, "fixedMacs");
  s.target_macs = ReadNumbers(o, "targetMacs");
  s.cost_weight = js::Number(o, "costWeight", s.cost_weight);
  s.arch_lr = js::Number(o, "archLr", s.arch_lr);
  s.baseline_decay = js::Number(o, "baselineDecay", s.baseline_decay);
  s.weight_clip = js::Number(o, "weightClip", s.weight_clip);
  s.proposal_floor = js::Number(o, "proposalFloor", s.proposal_floor);
  s.warmup_steps = js::Integer(o, "warmupSteps", s.warmup_steps);
  s.lr = js::Number(o, "lr", s.lr);
  s.momentum = js::Number(o, "momentum", s.momentum);
  s.weight_decay = js::Number(o, "weightDecay", s.weight_decay);
  s.seed = static_cast<uint64_t>(js::Integer(o, "seed", 0));
  s.channels_last =
      ReadChannelsLast(o, torch::kCPU, Precision::kFloat32);  // the multitask search runs on the CPU
  return s;
}

// The loader a call describes: {items: Dataset, canvas: {...}, batchSize, epoch, shuffle}.
struct LoaderRequest {
  std::shared_ptr<DatasetView> items;
  CanvasSpec canvas;
  int64_t batch_size = 64;
  int64_t epoch = 0;
  bool shuffle = true;
  std::unique_ptr<CanvasLoader> Open() const {
    return std::make_unique<CanvasLoader>(canvas, items, batch_size, epoch, shuffle);
  }
};

LoaderRequest ReadLoaderRequest(const Napi::Object& o, bool shuffle) {
  LoaderRequest r;
  r.items = DatasetBinding::ViewOf(o.Get("items"));
  r.canvas = ReadCanvasSpec(js::ObjectField(o, "canvas"));
  r.batch_size = js::Integer(o, "batchSize", r.batch_size);
  r.epoch = js::Integer(o, "epoch", 0);
  r.shuffle = js::Bool(o, "shuffle", shuffle);
  CheckCanvasSpec(r.canvas, *r.items);
  return r;
}

struct MultitaskState {
  std::shared_ptr<MultitaskSearch> search;
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
};

class MultitaskBinding : public Napi::ObjectWrap<MultitaskBinding> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "MultitaskSearch",
        {InstanceMethod<&MultitaskBinding::TrainEpoch>("trainEpoch"),
         InstanceMethod<&MultitaskBinding::Evaluate>("evaluate"),
         InstanceMethod<&MultitaskBinding::Probabilities>("probabilities"),
         InstanceMethod<&MultitaskBinding::SetLogits>("setLogits"),
         InstanceMethod<&MultitaskBinding::SetLearningRate>("setLearningRate"),
         InstanceMethod<&MultitaskBinding::Save>("save"), InstanceMethod<&MultitaskBinding::Load>("load"),
         InstanceMethod<&MultitaskBinding::StateTensors>("stateTensors"),
         InstanceMethod<&MultitaskBinding::Cancel>("cancel"),
         InstanceMethod<&MultitaskBinding::Close>("close")});
  }

  explicit MultitaskBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MultitaskBinding>(info) {
    RunSync(info.Env(), [&]() -> Napi::Value {
      Napi::Object o = js::ObjectArg(info, 0, "MultitaskSearch");
      MultitaskSpec spec = ReadMultitaskSpec(o);
      spec.space.heads = spec.tasks;
      spec.Check();  // bad options fail here, on the caller's stack
      const int64_t threads = js::Integer(o, "threads", 0);
      queue_ = std::make_unique<DeviceQueue>();
      auto state = state_;
      // Thread settings belong to the thread that sets them: build on the worker.
      queue_->Push([state, spec, threads] {
        if (threads > 0) at::set_num_threads(static_cast<int>(threads));
        state->search = std::make_shared<MultitaskSearch>(spec, state->cancelled);
      });
      return info.Env().Undefined();
    });
  }

  ~MultitaskBinding() override {
    *state_->cancelled = true;
    if (queue_) queue_->Drain();
  }

 private:
  // An abort: the running epoch stops at its next step and rejects with E_CLOSED.
  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    *state_->cancelled = true;
    return info.Env().Undefined();
  }

  Napi::Promise Queue(Napi::Env env, std::function<MakeJsValue(MultitaskSearch&)> work) {
    auto state = state_;
    return QueueWork(env, *queue_, [state, work = std::move(work)]() -> MakeJsValue {
      if (!state->search) Fail(codes::kClosed, "the multitask search failed to start or was closed");
      return work(*state->search);
    });
  }

  // trainEpoch({items, canvas, batchSize, epoch, maxSteps, progressEvery}, onProgress?)
  Napi::Value TrainEpoch(const Napi::CallbackInfo& info) {
    LoaderRequest request;
    int64_t max_steps = 0, every = 20;
    RunSync(info.Env(), [&]() -> Napi::Value {
      Napi::Object o = js::ObjectArg(info, 0, "trainEpoch");
      request = ReadLoaderRequest(o, true);
      max_steps = js::Integer(o, "maxSteps", 0);
      every = std::max<int64_t>(1, js::Integer(o, "progressEvery", 20));
      return info.Env().Undefined();
    });
    auto sink =
        std::make_shared<ProgressSink>(info.Env(), info.Length() > 1 ? info[1] : info.Env().Undefined());
    return Queue(info.Env(),
                 [request = std::move(request), max_steps, every, sink](MultitaskSearch& s) -> MakeJsValue {
                   auto loader = request.Open();
                   MultitaskStepStats st =
                       s.TrainEpoch(*loader, max_steps, [&](int64_t step, const std::vector<double>& sums) {
                         if (step % every != 0) return;
                         ProgressSink::Record r{{"step", static_cast<double>(step)}};
                         for (size_t t = 0; t < sums.size(); ++t)
                           r.emplace_back(TaskHeadName(s.spec().tasks[t]), sums[t] / step);
                         sink->Emit(r);
                       });
                   auto probabilities = s.KeepProbabilities();
                   const int64_t global = s.step();
                   return [st, probabilities, global](Napi::Env env) -> Napi::Value {
                     Napi::Object out = StatsObject(env, {{"steps", static_cast<double>(st.steps)},
                                                          {"seconds", st.seconds},
                                                          {"globalStep", static_cast<double>(global)}});
                     out.Set("loss", NumberArray(env, st.loss));
                     out.Set("weight", NumberArray(env, st.weight));
                     out.Set("keptBlocks", NumberArray(env, st.kept_blocks));
                     out.Set("probabilities", Rows(env, probabilities));
                     return out;
                   };
                 });
  }

  // evaluate({items, canvas, batchSize, keep?}) -> {images, correct, confusion, detections, truths}
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    LoaderRequest request;
    Mask keep;
    RunSync(info.Env(), [&]() -> Napi::Value {
      Napi::Object o = js::ObjectArg(info, 0, "evaluate");
      request = ReadLoaderRequest(o, false);
      keep = ReadMask(o, "keep");
      return info.Env().Undefined();
    });
    return Queue(info.Env(), [request = std::move(request), keep](MultitaskSearch& s) -> MakeJsValue {
      auto loader = request.Open();
      auto eval = std::make_shared<MultitaskEval>(s.Evaluate(*loader, keep));
      return [eval](Napi::Env env) -> Napi::Value {
        Napi::Object out = StatsObject(env, {{"images", static_cast<double>(eval->images)},
                                             {"correct", static_cast<double>(eval->correct)}});
        out.Set("confusion", Float64Of(env, eval->confusion.to(torch::kFloat64)));
        out.Set("detections", Float32Of(env, eval->detections));
        out.Set("truths", Float32Of(env, eval->truths));
        return out;
      };
    });
  }

  Napi::Value Probabilities(const Napi::CallbackInfo& info) {
    return Queue(info.Env(), [](MultitaskSearch& s) -> MakeJsValue {
      auto rows = s.KeepProbabilities();
      return [rows](Napi::Env env) -> Napi::Value { return Rows(env, rows); };
    });
  }

  // setLogits({logits: number[][]})
  Napi::Value SetLogits(const Napi::CallbackInfo& info) {
    auto logits =
        RunSyncValue(info.Env(), [&] { return ReadTable(js::ObjectArg(info, 0, "setLogits"), "logits"); });
    return Queue(info.Env(), [logits](MultitaskSearch& s) -> MakeJsValue {
      s.SetLogits(logits);
      return NoResult();
    });
  }

  Napi::Value SetLearningRate(const Napi::CallbackInfo& info) {
    const double lr =
        RunSyncValue(info.Env(), [&] { return js::Number(js::ObjectArg(info, 0, "setLearningRate"), "lr"); });
    return Queue(info.Env(), [lr](MultitaskSearch& s) -> MakeJsValue {
      s.SetLearningRate(lr);
      return NoResult();
    });
  }

  Napi::Value Save(const Napi::CallbackInfo& info) {
    return CheckpointCall(info, "save", [](MultitaskSearch& s, const std::string& path) { s.Save(path); });
  }

  Napi::Value Load(const Napi::CallbackInfo& info) {
    return CheckpointCall(info, "load", [](MultitaskSearch& s, const std::string& path) { s.Load(path); });
  }

  // save/load({path}) -> {globalStep}: the step the network is at afterwards.
  Napi::Value CheckpointCall(const Napi::CallbackInfo& info, const char* what,
                             std::function<void(MultitaskSearch&, const std::string&)> call) {
    const std::string path =
        RunSyncValue(info.Env(), [&] { return js::String(js::ObjectArg(info, 0, what), "path"); });
    return Queue(info.Env(), [path, call](MultitaskSearch& s) -> MakeJsValue {
      call(s, path);
      const double step = static_cast<double>(s.step());
      return [step](Napi::Env env) -> Napi::Value { return StatsObject(env, {{"globalStep", step}}); };
    });
  }

  Napi::Value StateTensors(const Napi::CallbackInfo& info) {
    return Queue(info.Env(), [](MultitaskSearch& s) -> MakeJsValue {
      auto tensors = std::make_shared<std::vector<std::pair<std::string, torch::Tensor>>>(
          ModuleStateTensors(*s.net(), torch::kFloat32));
      return [tensors](Napi::Env env) -> Napi::Value { return NamedArrays(env, *tensors); };
    });
  }

  // close(): finishes queued work, then frees the network.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    auto state = state_;
    return QueueWork(info.Env(), *queue_, [state]() -> MakeJsValue {
      state->search.reset();
      return NoResult();
    });
  }

  std::shared_ptr<MultitaskState> state_ = std::make_shared<MultitaskState>();
  std::unique_ptr<DeviceQueue> queue_;
};

// canvasBatch({items, canvas, indices}) -> {images, labels, segments, boxes, boxLabels} (typed arrays)
Napi::Value CanvasBatchOf(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "canvasBatch");
    const LoaderRequest request = ReadLoaderRequest(o, false);
    const std::vector<int64_t> indices = ReadIntegers(o, "indices");
    const CanvasBatch b = MakeCanvasBatch(request.canvas, *request.items, indices);
    return NamedArrays(info.Env(), {{"images", b.images},
                                    {"labels", b.labels.to(torch::kFloat64)},
                                    {"segments", b.segments.to(torch::kFloat64)},
                                    {"boxes", b.boxes},
                                    {"boxLabels", b.box_labels.to(torch::kFloat64)}});
  });
}

// fbnetv5Estimate({probabilities: [T][B], floor, mask, advantages: [T]}) ->
// {proposal, logWeights, gradients: [T][B]}: the unclipped importance-weighted REINFORCE estimate.
Napi::Value Fbnetv5Estimate(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "fbnetv5Estimate");
    const auto probabilities = ReadTable(o, "probabilities");
    const Mask mask = ReadMask(o, "mask");
    const std::vector<double> advantages = ReadNumbers(o, "advantages");
    Require(advantages.size() == probabilities.size(), "one advantage per task");
    const std::vector<double> q = ProposalOf(probabilities, js::Number(o, "floor", 0.0));
    std::vector<double> log_weights;
    std::vector<std::vector<double>> gradients;
    for (size_t t = 0; t < probabilities.size(); ++t) {
      log_weights.push_back(LogImportanceWeight(probabilities[t], q, mask));
      gradients.push_back(
          ReinforceGradient(probabilities[t], mask, advantages[t], std::exp(log_weights.back())));
    }
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("proposal", NumberArray(info.Env(), q));
    out.Set("logWeights", NumberArray(info.Env(), log_weights));
    out.Set("gradients", Rows(info.Env(), gradients));
    return out;
  });
}

// multiresProbe({space, tasks, keep, seed, inputSeed, batch, size, weights?}) -> {outputs, gradients,
// state}: float64, training mode; loss = sum over the heads' outputs of mean(out^2) + mean(out).
Napi::Value MultiresProbe(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "multiresProbe");
    MultiresSpec spec = ReadMultiresSpec(js::ObjectField(o, "space"));
    spec.heads = ReadTasks(o);
    const Mask keep = ReadMask(o, "keep");
    const int64_t batch = js::Integer(o, "batch", 2), size = js::Integer(o, "size", 32);
    MultiresNet net =
        ConstructSeeded(static_cast<uint64_t>(js::Integer(o, "seed", 0)), [&] { return MultiresNet(spec); });
    net->to(torch::kFloat64);
    if (js::Has(o, "weights")) SetModuleState(*net, ReadNamedVectors(js::ObjectField(o, "weights")), true);
    torch::Tensor x = ConstructSeeded(static_cast<uint64_t>(js::Integer(o, "inputSeed", 1)), [&] {
      return torch::randn({batch, spec.in_channels, size, size}, torch::kFloat64);
    });
    const auto state = ModuleStateTensors(*net, torch::kFloat64);
    net->train();
    const MultitaskOutputs out = net->Forward(x, keep);
    std::vector<std::pair<std::string, torch::Tensor>> outputs;
    torch::Tensor loss = torch::zeros({}, torch::kFloat64);
    for (const auto& [name, t] : std::vector<std::pair<std::string, torch::Tensor>>{{"logits", out.logits},
                                                                                    {"segment", out.segment},
                                                                                    {"heatmap", out.heatmap},
                                                                                    {"boxes", out.boxes}}) {
      if (!t.defined()) continue;
      outputs.emplace_back(name, t.detach());
      loss = loss + t.pow(2).mean() + t.mean();
    }
    loss.backward();
    std::vector<std::pair<std::string, torch::Tensor>> gradients;
    for (const auto& item : net->named_parameters()) {
      if (item.value().grad().defined()) gradients.emplace_back(item.key(), item.value().grad());
    }
    Napi::Object result = Napi::Object::New(info.Env());
    result.Set("outputs", NamedArrays(info.Env(), outputs));
    result.Set("gradients", NamedArrays(info.Env(), gradients));
    result.Set("state", NamedArrays(info.Env(), state));
    return result;
  });
}

}  // namespace

Napi::Object InitMultitaskBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("MultitaskSearch", MultitaskBinding::Define(env));
  exports.Set("canvasBatch", Napi::Function::New(env, CanvasBatchOf, "canvasBatch"));
  exports.Set("fbnetv5Estimate", Napi::Function::New(env, Fbnetv5Estimate, "fbnetv5Estimate"));
  exports.Set("multiresProbe", Napi::Function::New(env, MultiresProbe, "multiresProbe"));
  return exports;
}

}  // namespace torchnas
