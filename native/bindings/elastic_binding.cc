// The JS Session's one-shot elastic supernet methods (buildElastic, supernetEpoch, scoreSubnets,
// subnetTensors, exportSubnet, probeSubnet, attentivePick, reorderChannels, sampleSubnets) on the
// session's ElasticTraining extension.
#include "bindings/dataset_binding.h"
#include "bindings/elastic_choice_values.h"
#include "bindings/js_values.h"
#include "bindings/session_methods.h"
#include "bindings/spec_readers.h"
#include "boundary/js_args.h"
#include "search/sampler_seed.h"
#include "train/elastic_training.h"

namespace torchnas {

ElasticChoice ReadElasticChoice(const Napi::Object& o) {
  ElasticChoice c;
  c.resolution = js::Integer(o, "resolution");
  for (const Napi::Object& s : js::ObjectArray(o, "stages")) {
    c.stages.push_back(
        ElasticStageChoice{js::Integer(s, "width"), ReadIntegers(s, "kernels"), ReadIntegers(s, "expands")});
  }
  return c;
}

Napi::Object ChoiceObject(Napi::Env env, const ElasticChoice& c) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("resolution", static_cast<double>(c.resolution));
  Napi::Array stages = Napi::Array::New(env, c.stages.size());
  for (size_t i = 0; i < c.stages.size(); ++i) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("width", static_cast<double>(c.stages[i].width));
    s.Set("kernels", NumberArray(env, c.stages[i].kernels));
    s.Set("expands", NumberArray(env, c.stages[i].expands));
    stages.Set(static_cast<uint32_t>(i), s);
  }
  out.Set("stages", stages);
  return out;
}

namespace {

std::vector<ElasticChoice> ReadChoices(const Napi::Object& o, const char* key) {
  std::vector<ElasticChoice> out;
  for (const Napi::Object& c : js::ObjectArray(o, key)) out.push_back(ReadElasticChoice(c));
  return out;
}

ElasticSpec ReadElasticSpec(const Napi::Object& o) {
  ElasticSpec spec;
  Napi::Object input = js::ObjectField(o, "input");
  spec.in_channels = js::Integer(input, "channels");
  spec.input_size = js::Integer(input, "height");
  spec.classes = js::Integer(o, "classes");
  spec.stem = ReadBlocks(o, "stem");
  spec.head = ReadBlocks(o, "head");
  spec.resolutions = ReadIntegers(o, "resolutions");
  for (const Napi::Object& s : js::ObjectArray(o, "stages")) {
    ElasticStageSpec st;
    st.in_max = js::Integer(s, "inMax");
    st.widths = ReadIntegers(s, "widths");
    st.depths = ReadIntegers(s, "depths");
    st.kernels = ReadIntegers(s, "kernels");
    st.expands = ReadIntegers(s, "expands");
    st.stride = js::Integer(s, "stride", 1);
    st.se_ratio = js::Number(s, "se", 0.0);
    st.activation = ParseActivation(js::String(s, "act", "relu6"));
    st.kernel_transform = js::Bool(s, "kernelTransform", false);
    spec.stages.push_back(std::move(st));
  }
  return spec;
}

SamplerSpec ReadSampler(const Napi::Object& o) {
  SamplerSpec s;
  s.rule = ParseSamplerRule(js::String(o, "rule", "sandwich"));
  s.middle = js::Integer(o, "middle", s.middle);
  s.candidates = js::Integer(o, "candidates", s.candidates);
  s.distill = js::Bool(o, "distill", s.distill);
  s.temperature = js::Number(o, "temperature", s.temperature);
  s.clip = js::Number(o, "clip", s.clip);
  const std::string clip_by = js::String(o, "clipBy", "norm");
  if (clip_by != "norm" && clip_by != "value") js::ThrowInvalid(o.Env(), "clipBy must be 'norm' or 'value'");
  s.clip_value = clip_by == "value";
  if (js::Has(o, "pool")) {
    // An array of bins, each an array of subnets: bin b is the pool's key "b".
    Napi::Value pool = o.Get("pool");
    if (!pool.IsArray()) js::ThrowInvalid(o.Env(), "expected an array of subnet arrays for 'pool'");
    Napi::Array bins = pool.As<Napi::Array>();
    for (uint32_t b = 0; b < bins.Length(); ++b)
      s.pool.push_back(ReadChoices(bins, std::to_string(b).c_str()));
  }
  s.bin_weights = ReadNumbers(o, "binWeights");
  return s;
}

Napi::Value BuildElastic(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  ElasticSpec spec =
      RunSyncValue(info.Env(), [&] { return ReadElasticSpec(js::ObjectArg(info, 0, "buildElastic")); });
  return queue(info.Env(), [spec](Session& s) -> MakeJsValue {
    const int64_t parameters = ElasticTraining::Build(s, spec);
    return [parameters](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"parameters", static_cast<double>(parameters)}});
    };
  });
}

// supernetEpoch(data, {...loader, progressEvery, sampler}, onProgress) -> EpochStats
Napi::Value SupernetEpoch(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "supernetEpoch");
  LoaderOptions loader = ReadLoaderOptions(o);
  const int64_t progress_every = js::Integer(o, "progressEvery", 20);
  SamplerSpec sampler = RunSyncValue(info.Env(), [&] { return ReadSampler(js::ObjectField(o, "sampler")); });
  auto sink =
      std::make_shared<ProgressSink>(info.Env(), info.Length() > 2 ? info[2] : info.Env().Undefined());
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    EpochStats st = ElasticTraining::Of(s).SupernetEpoch(
        data, loader, sampler, progress_every, [&](const ProgressSink::Record& r) { sink->Emit(r); });
    return EpochObject(st);
  });
}

// scoreSubnets(calib, valid, {subnets, calib: loader, calibBatches, valid: loader}, onProgress) ->
// EvalStats[]
Napi::Value ScoreSubnets(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto calib = DatasetBinding::ViewOf(info[0]);
  auto valid = DatasetBinding::ViewOf(info[1]);
  Napi::Object o = js::ObjectArg(info, 2, "scoreSubnets");
  auto subnets = RunSyncValue(info.Env(), [&] { return ReadChoices(o, "subnets"); });
  LoaderOptions calib_loader = ReadLoaderOptions(js::ObjectField(o, "calib"));
  LoaderOptions valid_loader = ReadLoaderOptions(js::ObjectField(o, "valid"));
  const int64_t batches = js::Integer(o, "calibBatches", 20);
  auto sink =
      std::make_shared<ProgressSink>(info.Env(), info.Length() > 3 ? info[3] : info.Env().Undefined());
  const double total = static_cast<double>(subnets.size());
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    auto scores = ElasticTraining::Of(s).ScoreSubnets(
        subnets, calib, calib_loader, batches, valid, valid_loader, [&](size_t done) {
          sink->Emit({{"done", static_cast<double>(done)}, {"total", total}});
        });
    return [scores](Napi::Env env) -> Napi::Value {
      Napi::Array out = Napi::Array::New(env, scores.size());
      for (size_t i = 0; i < scores.size(); ++i)
        out.Set(static_cast<uint32_t>(i), EvalObject(scores[i])(env));
      return out;
    };
  });
}

Napi::Value SubnetTensors(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  ElasticChoice subnet = RunSyncValue(info.Env(), [&] {
    return ReadElasticChoice(js::ObjectField(js::ObjectArg(info, 0, "subnetTensors"), "subnet"));
  });
  return queue(info.Env(), [subnet](Session& s) -> MakeJsValue {
    auto tensors = std::make_shared<NamedTensors>(ElasticTraining::Of(s).SubnetTensors(subnet));
    return [tensors](Napi::Env env) -> Napi::Value { return NamedArrays(env, *tensors); };
  });
}

// exportSubnet({subnet, network, path}) -> {parameters}
Napi::Value ExportSubnet(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Napi::Object o = js::ObjectArg(info, 0, "exportSubnet");
  ElasticChoice subnet =
      RunSyncValue(info.Env(), [&] { return ReadElasticChoice(js::ObjectField(o, "subnet")); });
  NetworkSpec network =
      RunSyncValue(info.Env(), [&] { return ReadNetworkSpec(js::ObjectField(o, "network")); });
  const std::string path = js::String(o, "path");
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const int64_t parameters = ElasticTraining::Of(s).ExportSubnet(subnet, network, path);
    return [parameters](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"parameters", static_cast<double>(parameters)}});
    };
  });
}

// probeSubnet(data, {...loader, subnet, masked}) -> {evalLogits, trainLogits, loss, gradients,
// gradientSquareSum}
Napi::Value ProbeSubnet(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "probeSubnet");
  LoaderOptions loader = ReadLoaderOptions(o);
  ElasticChoice subnet =
      RunSyncValue(info.Env(), [&] { return ReadElasticChoice(js::ObjectField(o, "subnet")); });
  const bool masked = js::Bool(o, "masked", false);
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    auto probe =
        std::make_shared<LossProbe>(ElasticTraining::Of(s).ProbeSubnet(data, loader, subnet, masked));
    return [probe](Napi::Env env) -> Napi::Value { return ProbeObject(env, *probe); };
  });
}

// attentivePick(data, {...loader, candidates, worst}) -> {losses, index}
Napi::Value AttentivePick(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "attentivePick");
  LoaderOptions loader = ReadLoaderOptions(o);
  auto candidates = RunSyncValue(info.Env(), [&] { return ReadChoices(o, "candidates"); });
  const bool worst = js::Bool(o, "worst", false);
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    auto [losses, index] = ElasticTraining::Of(s).AttentivePick(data, loader, candidates, worst);
    return [losses = losses, index = index](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      out.Set("losses", NumberArray(env, losses));
      out.Set("index", static_cast<double>(index));
      return out;
    };
  });
}

// sampleSubnets({sampler, count, seed | epoch}) -> NativeSubnet[]; with `epoch`, the draws of that
// supernet training epoch, in order.
Napi::Value SampleSubnets(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Napi::Object o = js::ObjectArg(info, 0, "sampleSubnets");
  SamplerSpec sampler = RunSyncValue(info.Env(), [&] { return ReadSampler(js::ObjectField(o, "sampler")); });
  const int64_t count = js::Integer(o, "count");
  const auto seed = static_cast<uint64_t>(js::Integer(o, "seed", 0));
  const int64_t epoch = js::Integer(o, "epoch", -1);
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const uint64_t stream = epoch >= 0 ? SupernetEpochSeed(s.options().seed, epoch) : seed;
    auto subnets = std::make_shared<std::vector<ElasticChoice>>(
        ElasticTraining::Of(s).SampleSubnets(sampler, count, stream));
    return [subnets](Napi::Env env) -> Napi::Value {
      Napi::Array out = Napi::Array::New(env, subnets->size());
      for (size_t i = 0; i < subnets->size(); ++i)
        out.Set(static_cast<uint32_t>(i), ChoiceObject(env, (*subnets)[i]));
      return out;
    };
  });
}

Napi::Value ReorderChannels(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session& s) -> MakeJsValue {
    ElasticTraining::Of(s).ReorderChannels();
    return NoResult();
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& ElasticSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {
      {"buildElastic", &BuildElastic},   {"supernetEpoch", &SupernetEpoch},
      {"scoreSubnets", &ScoreSubnets},   {"subnetTensors", &SubnetTensors},
      {"exportSubnet", &ExportSubnet},   {"probeSubnet", &ProbeSubnet},
      {"attentivePick", &AttentivePick}, {"reorderChannels", &ReorderChannels},
      {"sampleSubnets", &SampleSubnets}};
  return methods;
}

}  // namespace torchnas
