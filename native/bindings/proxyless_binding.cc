// The JS Session's ProxylessNAS methods: the chain supernet, its architecture search (binarized gates
// or REINFORCE) and the probes of its gate gradients, on the session's ProxylessSearch extension.
#include "bindings/dataset_binding.h"
#include "bindings/js_values.h"
#include "bindings/session_methods.h"
#include "bindings/spec_readers.h"
#include "boundary/js_args.h"
#include "train/proxyless_search.h"

namespace torchnas {
namespace {

Napi::Value BuildSupernet(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  SupernetSpec spec =
      RunSyncValue(info.Env(), [&] { return ReadSupernetSpec(js::ObjectArg(info, 0, "buildSupernet")); });
  return queue(info.Env(), [spec](Session& s) -> MakeJsValue {
    int64_t parameters = ProxylessSearch::Build(s, spec);
    return [parameters](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"parameters", static_cast<double>(parameters)}});
    };
  });
}

Napi::Value ConfigureSearch(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  ArchSpec spec =
      RunSyncValue(info.Env(), [&] { return ReadArchSpec(js::ObjectArg(info, 0, "configureSearch")); });
  return queue(info.Env(), [spec](Session& s) -> MakeJsValue {
    ProxylessSearch::Of(s).ConfigureSearch(spec);
    return NoResult();
  });
}

// searchEpoch(train, valid, {train: loader, valid: loader, archEvery, updateArch, progressEvery},
// onProgress)
Napi::Value SearchEpoch(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto train = DatasetBinding::ViewOf(info[0]);
  auto valid = DatasetBinding::ViewOf(info[1]);
  Napi::Object o = js::ObjectArg(info, 2, "searchEpoch");
  LoaderOptions train_loader = ReadLoaderOptions(js::ObjectField(o, "train"));
  LoaderOptions valid_loader = ReadLoaderOptions(js::ObjectField(o, "valid"));
  SearchEpochOptions options;
  options.arch_every = js::Integer(o, "archEvery", 1);
  options.update_arch = js::Bool(o, "updateArch", true);
  options.progress_every = js::Integer(o, "progressEvery", 20);
  auto sink =
      std::make_shared<ProgressSink>(info.Env(), info.Length() > 3 ? info[3] : info.Env().Undefined());
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    SearchEpochStats st =
        ProxylessSearch::Of(s).SearchEpoch(train, valid, train_loader, valid_loader, options,
                                           [&](const ProgressSink::Record& r) { sink->Emit(r); });
    return [st](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"steps", static_cast<double>(st.weights.steps)},
                               {"images", static_cast<double>(st.weights.images)},
                               {"loss", st.weights.loss},
                               {"top1", st.weights.top1},
                               {"seconds", st.weights.seconds},
                               {"lr", st.weights.lr},
                               {"archSteps", static_cast<double>(st.arch_steps)},
                               {"archSeconds", st.arch_seconds},
                               {"archLoss", st.arch_loss},
                               {"archTop1", st.arch_top1},
                               {"expectedLatency", st.expected_latency},
                               {"entropy", st.entropy}});
    };
  });
}

// archState() -> {probabilities: number[][], derived: number[]}
Napi::Value ArchState(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session& s) -> MakeJsValue {
    ProxylessSearch& search = ProxylessSearch::Of(s);
    auto probabilities = search.ArchProbabilities();
    auto logits = search.ArchLogits();
    auto derived = search.DerivedChoices();
    return [probabilities, logits, derived](Napi::Env env) -> Napi::Value {
      Napi::Array choices = Napi::Array::New(env, derived.size());
      for (size_t e = 0; e < derived.size(); ++e)
        choices.Set(static_cast<uint32_t>(e), static_cast<double>(derived[e]));
      Napi::Object out = Napi::Object::New(env);
      out.Set("probabilities", Rows(env, probabilities));
      out.Set("logits", Rows(env, logits));
      out.Set("derived", choices);
      return out;
    };
  });
}

Napi::Value SetArchLogits(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto logits =
      RunSyncValue(info.Env(), [&] { return ReadTable(js::ObjectArg(info, 0, "setArchLogits"), "logits"); });
  return queue(info.Env(), [logits](Session& s) -> MakeJsValue {
    ProxylessSearch::Of(s).SetArchLogits(logits);
    return NoResult();
  });
}

// archGradient(dataset, {batchSize, augment, mode, path: [{active, members}]}) -> [{gate, alpha}]
Napi::Value ArchGradient(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "archGradient");
  LoaderOptions loader = ReadLoaderOptions(o);
  GateMode mode = RunSyncValue(info.Env(), [&] { return ParseGateMode(js::String(o, "mode", "full_v2")); });
  std::vector<EdgeChoice> path;
  for (const Napi::Object& c : js::ObjectArray(o, "path")) {
    EdgeChoice choice;
    choice.active = js::Integer(c, "active");
    if (!c.Get("members").IsArray()) js::ThrowInvalid(info.Env(), "each path entry needs a members array");
    Napi::Array members = c.Get("members").As<Napi::Array>();
    for (uint32_t i = 0; i < members.Length(); ++i)
      choice.members.push_back(members.Get(i).As<Napi::Number>().Int64Value());
    path.push_back(std::move(choice));
  }
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    auto grads = std::make_shared<std::vector<std::pair<torch::Tensor, torch::Tensor>>>(
        ProxylessSearch::Of(s).ArchGradient(data, loader, path, mode));
    return [grads](Napi::Env env) -> Napi::Value {
      auto list = [&](const torch::Tensor& t) {
        Napi::Array a = Napi::Array::New(env);
        if (!t.defined()) return a;
        for (int64_t i = 0; i < t.numel(); ++i) a.Set(static_cast<uint32_t>(i), t[i].item<double>());
        return a;
      };
      Napi::Array out = Napi::Array::New(env, grads->size());
      for (size_t e = 0; e < grads->size(); ++e) {
        Napi::Object edge = Napi::Object::New(env);
        edge.Set("gate", list((*grads)[e].first));
        edge.Set("alpha", list((*grads)[e].second));
        out.Set(static_cast<uint32_t>(e), edge);
      }
      return out;
    };
  });
}

// edgeMixtureLoss(dataset, {batchSize, augment, weights: number[][]}) -> number
Napi::Value EdgeMixtureLoss(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "edgeMixtureLoss");
  LoaderOptions loader = ReadLoaderOptions(o);
  auto weights = RunSyncValue(info.Env(), [&] { return ReadTable(o, "weights"); });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const double loss = ProxylessSearch::Of(s).EdgeMixtureLoss(data, loader, weights);
    return [loss](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, loss); };
  });
}

// reinforceUpdate({paths: number[][], rewards: number[]}) -> {baseline}
Napi::Value ReinforceUpdate(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Napi::Object o = js::ObjectArg(info, 0, "reinforceUpdate");
  auto paths = RunSyncValue(info.Env(), [&] {
    std::vector<std::vector<int64_t>> rows;
    for (const auto& row : ReadTable(o, "paths")) rows.emplace_back(row.begin(), row.end());
    return rows;
  });
  auto rewards = RunSyncValue(info.Env(), [&] { return ReadNumbers(o, "rewards"); });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const double baseline = ProxylessSearch::Of(s).ReinforceUpdate(paths, rewards);
    return [baseline](Napi::Env env) -> Napi::Value { return StatsObject(env, {{"baseline", baseline}}); };
  });
}

// archReward({accuracy, latency}) -> number: the REINFORCE reward the configured search gives
Napi::Value ArchReward(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Napi::Object o = js::ObjectArg(info, 0, "archReward");
  const double accuracy = RunSyncValue(info.Env(), [&] { return js::Number(o, "accuracy"); });
  const double latency = RunSyncValue(info.Env(), [&] { return js::Number(o, "latency"); });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const double reward = ProxylessSearch::Of(s).ArchReward(accuracy, latency);
    return [reward](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, reward); };
  });
}

// evaluatePaths(dataset, {batchSize, augment, sampled}) -> EvalStats (a supernet's sampled or argmax paths)
Napi::Value EvaluatePaths(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "evaluatePaths");
  LoaderOptions loader = ReadLoaderOptions(o);
  const bool sampled = RunSyncValue(info.Env(), [&] { return js::Bool(o, "sampled", true); });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    return EvalObject(ProxylessSearch::Of(s).EvaluatePaths(data, loader, sampled));
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& ProxylessSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {
      {"buildSupernet", &BuildSupernet},     {"configureSearch", &ConfigureSearch},
      {"searchEpoch", &SearchEpoch},         {"archState", &ArchState},
      {"setArchLogits", &SetArchLogits},     {"archGradient", &ArchGradient},
      {"edgeMixtureLoss", &EdgeMixtureLoss}, {"reinforceUpdate", &ReinforceUpdate},
      {"archReward", &ArchReward},           {"evaluatePaths", &EvaluatePaths}};
  return methods;
}

}  // namespace torchnas
