// The JS Session's DARTS methods (train/darts_search.h): buildDartsSupernet, dartsEpoch, dartsAlphas,
// setDartsAlphas, and the probes the gradient checks use: dartsArchGradient, dartsUnrolledLoss.
#include <cmath>

#include "bindings/dataset_binding.h"
#include "bindings/js_values.h"
#include "bindings/session_methods.h"
#include "bindings/spec_readers.h"
#include "boundary/js_args.h"
#include "train/darts_search.h"

namespace torchnas {
namespace {

// buildDartsSupernet({classes, channels, cells, inputChannels, order, archLr, archWeightDecay, gradClip,
//                     hessianStep, method, engineCells, derivation, sparsity, featureSharing})
Napi::Value BuildDartsSupernet(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Nb201Spec network;
  DartsSpec spec;
  RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "buildDartsSupernet");
    network.classes = js::Integer(o, "classes", network.classes);
    network.channels = js::Integer(o, "channels", network.channels);
    network.cells_per_stage = js::Integer(o, "cells", network.cells_per_stage);
    network.in_channels = js::Integer(o, "inputChannels", network.in_channels);
    spec.order = js::Integer(o, "order", spec.order);
    spec.arch_lr = js::Number(o, "archLr", spec.arch_lr);
    spec.arch_weight_decay = js::Number(o, "archWeightDecay", spec.arch_weight_decay);
    spec.grad_clip = js::Number(o, "gradClip", spec.grad_clip);
    spec.hessian_step = js::Number(o, "hessianStep", spec.hessian_step);
    spec.method = js::String(o, "method", spec.method);
    spec.engine_cells = js::Integer(o, "engineCells", spec.engine_cells);
    spec.derivation = js::String(o, "derivation", spec.derivation);
    spec.sparsity = js::Number(o, "sparsity", spec.sparsity);
    spec.feature_sharing = js::Bool(o, "featureSharing", spec.Entran());  // EnTranNAS's, unless turned off
    spec.Check();  // bad options fail here, on the caller's stack
    return info.Env().Undefined();
  });
  return queue(info.Env(), [network, spec](Session& s) -> MakeJsValue {
    const double parameters = static_cast<double>(DartsSearch::Build(s, network, spec));
    return [parameters](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"parameters", parameters}});
    };
  });
}

// dartsEpoch(train, valid, {train: loader, valid: loader, progressEvery}, onProgress)
Napi::Value DartsEpoch(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto train = DatasetBinding::ViewOf(info[0]);
  auto valid = DatasetBinding::ViewOf(info[1]);
  Napi::Object o = js::ObjectArg(info, 2, "dartsEpoch");
  LoaderOptions train_loader = ReadLoaderOptions(js::ObjectField(o, "train"));
  LoaderOptions valid_loader = ReadLoaderOptions(js::ObjectField(o, "valid"));
  const int64_t progress_every = js::Integer(o, "progressEvery", 20);
  auto sink =
      std::make_shared<ProgressSink>(info.Env(), info.Length() > 3 ? info[3] : info.Env().Undefined());
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const DartsEpochStats st =
        DartsSearch::Of(s).SearchEpoch(train, valid, train_loader, valid_loader, progress_every,
                                       [&](const ProgressSink::Record& r) { sink->Emit(r); });
    return [st](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"steps", static_cast<double>(st.weights.steps)},
                               {"images", static_cast<double>(st.weights.images)},
                               {"loss", st.weights.loss},
                               {"top1", st.weights.top1},
                               {"seconds", st.weights.seconds},
                               {"lr", st.weights.lr},
                               {"archLoss", st.arch_loss},
                               {"archTop1", st.arch_top1}});
    };
  });
}

// dartsAlphas() -> {alphas, derived, thresholds, engineWeights, transitWeights}
Napi::Value DartsAlphas(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session& s) -> MakeJsValue {
    DartsSearch& darts = DartsSearch::Of(s);
    auto alphas = darts.Alphas();
    auto derived = darts.Derive();
    auto thresholds = darts.Thresholds();
    auto engine = darts.EngineWeights();
    auto transit = darts.TransitWeights();
    return [=](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      out.Set("alphas", Rows(env, alphas));
      out.Set("derived", NumberArray(env, std::vector<double>(derived.begin(), derived.end())));
      out.Set("thresholds", NumberArray(env, thresholds));
      out.Set("engineWeights", Rows(env, engine));
      out.Set("transitWeights", Rows(env, transit));
      return out;
    };
  });
}

std::vector<double> OptionalNumbers(const Napi::Object& o, const char* key) {
  return js::Has(o, key) ? ReadNumbers(o, key) : std::vector<double>{};
}

// setDartsAlphas({alphas: number[][], thresholds?: number[]})
Napi::Value SetDartsAlphas(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  std::vector<std::vector<double>> alphas;
  std::vector<double> thresholds;
  RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "setDartsAlphas");
    alphas = ReadTable(o, "alphas");
    thresholds = OptionalNumbers(o, "thresholds");
    return info.Env().Undefined();
  });
  return queue(info.Env(), [alphas, thresholds](Session& s) -> MakeJsValue {
    DartsSearch::Of(s).SetAlphas(alphas, thresholds);
    return NoResult();
  });
}

// dartsArchGradient(train, valid, loader) -> {alphas: number[][], thresholds: number[]}: the step's
// architecture gradient on the first batches.
Napi::Value DartsArchGradient(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto train = DatasetBinding::ViewOf(info[0]);
  auto valid = DatasetBinding::ViewOf(info[1]);
  LoaderOptions loader = ReadLoaderOptions(js::ObjectArg(info, 2, "dartsArchGradient"));
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const ArchGradientRows g = DartsSearch::Of(s).ArchGradient(train, valid, loader);
    return [g](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      out.Set("alphas", Rows(env, g.alphas));
      out.Set("thresholds", NumberArray(env, g.thresholds));
      return out;
    };
  });
}

// dartsUnrolledLoss(train, valid, {...loader, alphas, thresholds?}) -> number
Napi::Value DartsUnrolledLoss(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto train = DatasetBinding::ViewOf(info[0]);
  auto valid = DatasetBinding::ViewOf(info[1]);
  Napi::Object o = js::ObjectArg(info, 2, "dartsUnrolledLoss");
  LoaderOptions loader = ReadLoaderOptions(o);
  auto alphas = RunSyncValue(info.Env(), [&] { return ReadTable(o, "alphas"); });
  auto thresholds = RunSyncValue(info.Env(), [&] { return OptionalNumbers(o, "thresholds"); });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const double loss = DartsSearch::Of(s).UnrolledValidLoss(train, valid, loader, alphas, thresholds);
    return [loss](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, loss); };
  });
}

// dartsFeatureLayout(data, loader) -> 'channels_last' | 'nchw' | 'strided'
Napi::Value DartsFeatureLayout(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  LoaderOptions loader = ReadLoaderOptions(js::ObjectArg(info, 1, "dartsFeatureLayout"));
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const std::string layout = DartsSearch::Of(s).FeatureLayout(data, loader);
    return [layout](Napi::Env env) -> Napi::Value { return Napi::String::New(env, layout); };
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& DartsSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {{"buildDartsSupernet", &BuildDartsSupernet},
                                                          {"dartsEpoch", &DartsEpoch},
                                                          {"dartsAlphas", &DartsAlphas},
                                                          {"setDartsAlphas", &SetDartsAlphas},
                                                          {"dartsArchGradient", &DartsArchGradient},
                                                          {"dartsUnrolledLoss", &DartsUnrolledLoss},
                                                          {"dartsFeatureLayout", &DartsFeatureLayout}};
  return methods;
}

}  // namespace torchnas
