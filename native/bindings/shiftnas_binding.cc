// The Session's ShiftNAS methods: configureShiftNas, shiftNasStatus, generateSubnets,
// pretrainGenerator, generatorGradientCheck. The training step itself is supernetEpoch with the
// `shiftnas` sampler.
#include "bindings/dataset_binding.h"
#include "bindings/elastic_choice_values.h"
#include "bindings/js_values.h"
#include "bindings/session_methods.h"
#include "bindings/spec_readers.h"
#include "boundary/js_args.h"
#include "search/shift_nas.h"
#include "train/elastic_training.h"

namespace torchnas {
namespace {

// cost: {values: number[], factors: number[] (a row of `width` column indices per term, -1 padding), width}
CostTerms ReadCostTerms(const Napi::Object& o) {
  CostTerms terms;
  terms.values = ReadNumbers(o, "values");
  const std::vector<int64_t> flat = ReadIntegers(o, "factors");
  const int64_t width = js::Integer(o, "width");
  if (width < 1 || flat.size() != terms.values.size() * static_cast<size_t>(width)) {
    js::ThrowInvalid(o.Env(), "cost: 'factors' must hold 'width' column indices per value");
  }
  for (size_t t = 0; t < terms.values.size(); ++t) {
    std::vector<int64_t> factors;
    for (int64_t k = 0; k < width; ++k) {
      const int64_t column = flat[t * static_cast<size_t>(width) + static_cast<size_t>(k)];
      if (column >= 0) factors.push_back(column);
    }
    terms.factors.push_back(std::move(factors));
  }
  return terms;
}

ShiftNasSpec ReadShiftNasSpec(const Napi::Object& o) {
  ShiftNasSpec spec;
  spec.edges = ReadNumbers(o, "edges");
  spec.cost = ReadCostTerms(js::ObjectField(o, "cost"));
  spec.hidden = js::Integer(o, "hidden", spec.hidden);
  spec.resource_weight = js::Number(o, "resourceWeight", spec.resource_weight);
  spec.resource_batch = js::Integer(o, "resourceBatch", spec.resource_batch);
  spec.generator_lr = js::Number(o, "generatorLr", spec.generator_lr);
  spec.temperature = js::Number(o, "temperature", spec.temperature);
  spec.beta_lr = js::Number(o, "betaLr", spec.beta_lr);
  spec.shift_start = js::Integer(o, "shiftStart", spec.shift_start);
  spec.shift_every = js::Integer(o, "shiftEvery", spec.shift_every);
  spec.fd_epsilon = js::Number(o, "fdEpsilon", spec.fd_epsilon);
  return spec;
}

// configureShiftNas(valid, {edges, cost, hidden, resourceWeight, ..., valid: loader})
Napi::Value ConfigureShiftNas(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto valid = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "configureShiftNas");
  ShiftNasSpec spec = RunSyncValue(info.Env(), [&] { return ReadShiftNasSpec(o); });
  LoaderOptions loader = ReadLoaderOptions(js::ObjectField(o, "valid"));
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    ElasticTraining::Of(s).ConfigureShiftNas(spec, valid, loader);
    return NoResult();
  });
}

// shiftNasStatus() -> {probabilities, beta, estimate, updates, constraintError, samples}; the
// constraint error is over the generator's samples since the previous call.
Napi::Value ShiftNasStatusOf(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session& s) -> MakeJsValue {
    auto status = std::make_shared<ShiftNasStatus>(ElasticTraining::Of(s).TakeShiftNasStatus());
    return [status](Napi::Env env) -> Napi::Value {
      Napi::Object out = StatsObject(env, {{"updates", static_cast<double>(status->updates)},
                                           {"constraintError", status->constraint_error},
                                           {"samples", static_cast<double>(status->samples)}});
      out.Set("probabilities", NumberArray(env, status->probabilities));
      out.Set("beta", NumberArray(env, status->beta));
      out.Set("estimate", NumberArray(env, status->estimate));
      return out;
    };
  });
}

// generateSubnets({targets}) -> [{subnet, cost}]
Napi::Value GenerateSubnets(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  std::vector<double> targets = ReadNumbers(js::ObjectArg(info, 0, "generateSubnets"), "targets");
  return queue(info.Env(), [targets](Session& s) -> MakeJsValue {
    auto generated = std::make_shared<std::vector<std::pair<ElasticChoice, double>>>(
        ElasticTraining::Of(s).GenerateSubnets(targets));
    return [generated](Napi::Env env) -> Napi::Value {
      Napi::Array out = Napi::Array::New(env, generated->size());
      for (size_t i = 0; i < generated->size(); ++i) {
        Napi::Object item = Napi::Object::New(env);
        item.Set("subnet", ChoiceObject(env, (*generated)[i].first));
        item.Set("cost", (*generated)[i].second);
        out.Set(static_cast<uint32_t>(i), item);
      }
      return out;
    };
  });
}

// pretrainGenerator({steps, batch, seed}) -> {error}
Napi::Value PretrainGenerator(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Napi::Object o = js::ObjectArg(info, 0, "pretrainGenerator");
  const int64_t steps = js::Integer(o, "steps");
  const int64_t batch = js::Integer(o, "batch", 64);
  const auto seed = static_cast<uint64_t>(js::Integer(o, "seed", 0));
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const double error = ElasticTraining::Of(s).PretrainGenerator(steps, batch, seed);
    return [error](Napi::Env env) -> Napi::Value { return StatsObject(env, {{"error", error}}); };
  });
}

// generatorGradientCheck(data, {...loader, target, seed, epsilon}) -> {analytic, numeric}
Napi::Value GeneratorGradientCheck(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "generatorGradientCheck");
  LoaderOptions loader = ReadLoaderOptions(o);
  const double target = js::Number(o, "target");
  const auto seed = static_cast<uint64_t>(js::Integer(o, "seed", 0));
  const double epsilon = js::Number(o, "epsilon", 1e-6);
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    auto [analytic, numeric] =
        ElasticTraining::Of(s).GeneratorGradientCheck(data, loader, target, seed, epsilon);
    return [analytic = analytic, numeric = numeric](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"analytic", analytic}, {"numeric", numeric}});
    };
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& ShiftNasSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {
      {"configureShiftNas", &ConfigureShiftNas},
      {"shiftNasStatus", &ShiftNasStatusOf},
      {"generateSubnets", &GenerateSubnets},
      {"pretrainGenerator", &PretrainGenerator},
      {"generatorGradientCheck", &GeneratorGradientCheck}};
  return methods;
}

}  // namespace torchnas
