// The JS Session's ParZC methods (train/parzc_training.h): buildParzc, parzcEpoch, parzcPredict.
#include "bindings/js_values.h"
#include "bindings/session_methods.h"
#include "bindings/spec_readers.h"
#include "boundary/js_args.h"
#include "train/parzc_training.h"

namespace torchnas {
namespace {

// Rows of equal length as a float64 tensor [rows, width].
torch::Tensor ReadRows(const Napi::Object& o, const char* key) {
  const auto table = ReadTable(o, key);
  if (table.empty()) js::ThrowInvalid(o.Env(), std::string("'") + key + "' must hold at least one row");
  const size_t width = table[0].size();
  torch::Tensor out =
      torch::empty({static_cast<int64_t>(table.size()), static_cast<int64_t>(width)}, torch::kFloat64);
  double* at = out.data_ptr<double>();
  for (const auto& row : table) {
    if (row.size() != width)
      js::ThrowInvalid(o.Env(), std::string("every row of '") + key + "' must be as long");
    at = std::copy(row.begin(), row.end(), at);
  }
  return out;
}

// buildParzc({zcDim, edges, ops, projectDim, patch, mixerDim, mixerBlocks, modelDim, heads, ffDim,
//             encoderLayers, rhoInit, dropout})
Napi::Value BuildParzc(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  ParzcSpec spec;
  RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "buildParzc");
    spec.zc_dim = js::Integer(o, "zcDim", spec.zc_dim);
    spec.edges = js::Integer(o, "edges", spec.edges);
    spec.ops = js::Integer(o, "ops", spec.ops);
    spec.project_dim = js::Integer(o, "projectDim", spec.project_dim);
    spec.patch = js::Integer(o, "patch", spec.patch);
    spec.mixer_dim = js::Integer(o, "mixerDim", spec.mixer_dim);
    spec.mixer_blocks = js::Integer(o, "mixerBlocks", spec.mixer_blocks);
    spec.model_dim = js::Integer(o, "modelDim", spec.model_dim);
    spec.heads = js::Integer(o, "heads", spec.heads);
    spec.ff_dim = js::Integer(o, "ffDim", spec.ff_dim);
    spec.encoder_layers = js::Integer(o, "encoderLayers", spec.encoder_layers);
    spec.rho_init = js::Number(o, "rhoInit", spec.rho_init);
    spec.dropout = js::Number(o, "dropout", spec.dropout);
    spec.Check();  // bad options fail here, on the caller's stack
    return info.Env().Undefined();
  });
  return queue(info.Env(), [spec](Session& s) -> MakeJsValue {
    const double parameters = static_cast<double>(ParzcTraining::Build(s, spec));
    return [parameters](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"parameters", parameters}});
    };
  });
}

// parzcEpoch({rows, targets, batchSize, alpha, epoch, progressEvery}, onProgress)
Napi::Value ParzcEpoch(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  torch::Tensor rows, targets;
  int64_t batch_size = 0, epoch = 0, progress_every = 0;
  double alpha = 0.0;
  RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "parzcEpoch");
    rows = ReadRows(o, "rows");
    const auto y = ReadNumbers(o, "targets");
    targets = torch::tensor(y, torch::kFloat64);
    batch_size = js::Integer(o, "batchSize", 10);
    alpha = js::Number(o, "alpha", 0.5);
    epoch = js::Integer(o, "epoch");
    progress_every = js::Integer(o, "progressEvery", 0);
    return info.Env().Undefined();
  });
  auto sink =
      std::make_shared<ProgressSink>(info.Env(), info.Length() > 1 ? info[1] : info.Env().Undefined());
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const EpochStats st =
        ParzcTraining::Of(s).TrainEpoch(rows, targets, batch_size, alpha, epoch, progress_every,
                                        [&](const ProgressSink::Record& r) { sink->Emit(r); });
    return [st](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"steps", static_cast<double>(st.steps)},
                               {"rows", static_cast<double>(st.images)},
                               {"loss", st.loss},
                               {"seconds", st.seconds},
                               {"lr", st.lr}});
    };
  });
}

// parzcPredict({rows, samples, seed}) -> {mean: number[], std: number[]}
Napi::Value ParzcPredict(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  torch::Tensor rows;
  int64_t samples = 1, seed = 0;
  RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "parzcPredict");
    rows = ReadRows(o, "rows");
    samples = js::Integer(o, "samples", 1);
    seed = js::Integer(o, "seed", 0);
    return info.Env().Undefined();
  });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    const ParzcPrediction p = ParzcTraining::Of(s).Predict(rows, samples, static_cast<uint64_t>(seed));
    return [p](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      out.Set("mean", NumberArray(env, p.mean));
      out.Set("std", NumberArray(env, p.std));
      return out;
    };
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& ParzcSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {
      {"buildParzc", &BuildParzc}, {"parzcEpoch", &ParzcEpoch}, {"parzcPredict", &ParzcPredict}};
  return methods;
}

}  // namespace torchnas
