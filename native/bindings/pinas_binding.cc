// The JS Session's Pi-NAS methods (train/pinas_training.h): buildPinasSupernet, pinasEpoch, pinasPaths,
// pinasKnnScores.
#include "bindings/dataset_binding.h"
#include "bindings/js_values.h"
#include "bindings/session_methods.h"
#include "bindings/spec_readers.h"
#include "boundary/js_args.h"
#include "train/pinas_training.h"

namespace torchnas {
namespace {

// buildPinasSupernet({classes, channels, cells, inputChannels, momentum, temperature, queueSize,
//                     projectionDim, supervised, minCrop})
Napi::Value BuildPinasSupernet(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Nb201Spec network;
  PiNasSpec spec;
  RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "buildPinasSupernet");
    network.classes = js::Integer(o, "classes", network.classes);
    network.channels = js::Integer(o, "channels", network.channels);
    network.cells_per_stage = js::Integer(o, "cells", network.cells_per_stage);
    network.in_channels = js::Integer(o, "inputChannels", network.in_channels);
    spec.momentum = js::Number(o, "momentum", spec.momentum);
    spec.temperature = js::Number(o, "temperature", spec.temperature);
    spec.queue_size = js::Integer(o, "queueSize", spec.queue_size);
    spec.projection_dim = js::Integer(o, "projectionDim", spec.projection_dim);
    spec.supervised = js::Bool(o, "supervised", spec.supervised);
    spec.min_crop = js::Number(o, "minCrop", spec.min_crop);
    spec.Check();  // bad options fail here, on the caller's stack
    return info.Env().Undefined();
  });
  return queue(info.Env(), [network, spec](Session& s) -> MakeJsValue {
    const double parameters = static_cast<double>(PiNasTraining::Build(s, network, spec));
    return [parameters](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"parameters", parameters}});
    };
  });
}

// pinasEpoch(data, loader, onProgress)
Napi::Value PinasEpoch(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "pinasEpoch");
  LoaderOptions loader = ReadLoaderOptions(o);
  const int64_t progress_every = js::Integer(o, "progressEvery", 20);
  auto sink =
      std::make_shared<ProgressSink>(info.Env(), info.Length() > 2 ? info[2] : info.Env().Undefined());
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const PiNasEpochStats st = PiNasTraining::Of(s).TrainEpoch(
        data, loader, progress_every, [&](const ProgressSink::Record& r) { sink->Emit(r); });
    return [st](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"steps", static_cast<double>(st.weights.steps)},
                               {"images", static_cast<double>(st.weights.images)},
                               {"loss", st.weights.loss},
                               {"top1", st.weights.top1},
                               {"seconds", st.weights.seconds},
                               {"lr", st.weights.lr},
                               {"contrastive", st.contrastive},
                               {"positive", st.positive}});
    };
  });
}

// pinasPaths({globalStep}) -> [pathA, pathB]: the two paths that step draws.
Napi::Value PinasPaths(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  const int64_t step = RunSyncValue(
      info.Env(), [&] { return js::Integer(js::ObjectArg(info, 0, "pinasPaths"), "globalStep"); });
  return queue(info.Env(), [step](Session& s) -> MakeJsValue {
    const auto [a, b] = PiNasTraining::Of(s).PathsAt(step);
    return [a, b](Napi::Env env) -> Napi::Value {
      Napi::Array out = Napi::Array::New(env, 2);
      out.Set(0u, NumberArray(env, std::vector<double>(a.begin(), a.end())));
      out.Set(1u, NumberArray(env, std::vector<double>(b.begin(), b.end())));
      return out;
    };
  });
}

// pinasKnnScores(reference, query, {...loader, paths, k}) -> number[]
Napi::Value PinasKnnScores(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto reference = DatasetBinding::ViewOf(info[0]);
  auto query = DatasetBinding::ViewOf(info[1]);
  Napi::Object o = js::ObjectArg(info, 2, "pinasKnnScores");
  LoaderOptions loader = ReadLoaderOptions(o);
  auto paths = RunSyncValue(info.Env(), [&] { return ReadIntegerRows(o, "paths"); });
  const int64_t k = RunSyncValue(info.Env(), [&] { return js::Integer(o, "k", 20); });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const auto scores = PiNasTraining::Of(s).KnnScores(reference, query, loader, paths, k);
    return [scores](Napi::Env env) -> Napi::Value { return NumberArray(env, scores); };
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& PinasSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {{"buildPinasSupernet", &BuildPinasSupernet},
                                                          {"pinasEpoch", &PinasEpoch},
                                                          {"pinasPaths", &PinasPaths},
                                                          {"pinasKnnScores", &PinasKnnScores}};
  return methods;
}

}  // namespace torchnas
