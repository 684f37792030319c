// The JS Session's multitask methods (train/multitask_training.h): buildMultitask, multitaskEpoch,
// evaluateMultitask, keepProbabilities, setKeepLogits; and free functions: the canvas dataset's batches
// for inspection, the importance-weighted estimator as a pure function, and a probe that runs the
// supernet under a mask or a derived network (float64) for the supernet-equals-child test.
#include <napi.h>

#include "bindings/addon_state.h"
#include "bindings/dataset_binding.h"
#include "bindings/js_values.h"
#include "bindings/spec_readers.h"
#include "bindings/session_methods.h"
#include "boundary/js_args.h"
#include "nets/module_state.h"
#include "nets/seeded_construction.h"
#include "train/multitask_training.h"

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

Napi::Value BuildMultitask(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  MultitaskSpec spec = RunSyncValue(info.Env(), [&] {
    MultitaskSpec s = ReadMultitaskSpec(js::ObjectArg(info, 0, "buildMultitask"));
    s.space.heads = s.tasks;
    s.Check();  // bad options fail here, on the caller's stack
    return s;
  });
  return queue(info.Env(), [spec](Session& s) -> MakeJsValue {
    const double parameters = static_cast<double>(MultitaskTraining::Build(s, spec));
    return [parameters](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"parameters", parameters}});
    };
  });
}

// multitaskEpoch({items, canvas, batchSize, epoch, maxSteps, progressEvery}, onProgress?)
Napi::Value MultitaskEpoch(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  LoaderRequest request;
  int64_t max_steps = 0, every = 20;
  RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "multitaskEpoch");
    request = ReadLoaderRequest(o, true);
    max_steps = js::Integer(o, "maxSteps", 0);
    every = std::max<int64_t>(1, js::Integer(o, "progressEvery", 20));
    return info.Env().Undefined();
  });
  auto sink =
      std::make_shared<ProgressSink>(info.Env(), info.Length() > 1 ? info[1] : info.Env().Undefined());
  return queue(info.Env(), [request = std::move(request), max_steps, every, sink](Session& s) -> MakeJsValue {
    MultitaskTraining& training = MultitaskTraining::Of(s);
    auto loader = request.Open();
    const MultitaskStepStats st =
        training.TrainEpoch(*loader, max_steps, every, [&](const ProgressRecord& r) { sink->Emit(r); });
    auto probabilities = training.KeepProbabilities();
    const int64_t global = s.global_step();
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

// evaluateMultitask({items, canvas, batchSize, keep?}) -> {images, correct, confusion, detections, truths}
Napi::Value EvaluateMultitask(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  LoaderRequest request;
  Mask keep;
  RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "evaluateMultitask");
    request = ReadLoaderRequest(o, false);
    keep = ReadMask(o, "keep");
    return info.Env().Undefined();
  });
  return queue(info.Env(), [request = std::move(request), keep](Session& s) -> MakeJsValue {
    auto loader = request.Open();
    auto eval = std::make_shared<MultitaskEval>(MultitaskTraining::Of(s).Evaluate(*loader, keep));
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

Napi::Value KeepProbabilities(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session& s) -> MakeJsValue {
    auto rows = MultitaskTraining::Of(s).KeepProbabilities();
    return [rows](Napi::Env env) -> Napi::Value { return Rows(env, rows); };
  });
}

// setKeepLogits({logits: number[][]})
Napi::Value SetKeepLogits(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto logits =
      RunSyncValue(info.Env(), [&] { return ReadTable(js::ObjectArg(info, 0, "setKeepLogits"), "logits"); });
  return queue(info.Env(), [logits](Session& s) -> MakeJsValue {
    MultitaskTraining::Of(s).SetLogits(logits);
    return NoResult();
  });
}

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

const std::vector<NamedSessionMethod>& MultitaskSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {{"buildMultitask", &BuildMultitask},
                                                          {"multitaskEpoch", &MultitaskEpoch},
                                                          {"evaluateMultitask", &EvaluateMultitask},
                                                          {"keepProbabilities", &KeepProbabilities},
                                                          {"setKeepLogits", &SetKeepLogits}};
  return methods;
}

Napi::Object InitMultitaskBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("canvasBatch", Napi::Function::New(env, CanvasBatchOf, "canvasBatch"));
  exports.Set("fbnetv5Estimate", Napi::Function::New(env, Fbnetv5Estimate, "fbnetv5Estimate"));
  exports.Set("multiresProbe", Napi::Function::New(env, MultiresProbe, "multiresProbe"));
  return exports;
}

}  // namespace torchnas
