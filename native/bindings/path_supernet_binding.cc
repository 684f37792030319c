// The JS Session's weight-sharing path-supernet methods (RSPS training, GM-NAS gradient matching):
// buildNb201Supernet, setPathMasks, pathMasks, oneShotEpoch, oneShotPaths, evaluateArchitectures,
// matchGradients, probePath; and the free function cosineDistances (the split criterion's distance,
// on given vectors, or averaged over batches of them).
#include <cmath>

#include "bindings/dataset_binding.h"
#include "bindings/session_methods.h"
#include "bindings/js_values.h"
#include "bindings/spec_readers.h"
#include "boundary/js_args.h"
#include "data/batch_loader.h"
#include "train/path_supernet.h"

namespace torchnas {
namespace {

std::vector<std::vector<double>> IntegerRowsAsDoubles(const std::vector<std::vector<int64_t>>& rows) {
  std::vector<std::vector<double>> out;
  for (const auto& r : rows) out.emplace_back(r.begin(), r.end());
  return out;
}

// An n x n row-major matrix as rows.
std::vector<std::vector<double>> SquareRows(const std::vector<double>& flat, size_t n) {
  std::vector<std::vector<double>> rows(n);
  for (size_t i = 0; i < n; ++i) {
    rows[i].assign(flat.begin() + static_cast<long>(i * n), flat.begin() + static_cast<long>((i + 1) * n));
  }
  return rows;
}

Napi::Value BuildNb201Supernet(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Nb201Spec spec = RunSyncValue(info.Env(), [&] {
    Napi::Object o = js::ObjectArg(info, 0, "buildNb201Supernet");
    Nb201Spec s;
    s.classes = js::Integer(o, "classes", s.classes);
    s.channels = js::Integer(o, "channels", s.channels);
    s.cells_per_stage = js::Integer(o, "cells", s.cells_per_stage);
    s.in_channels = js::Integer(o, "inputChannels", s.in_channels);
    return s;
  });
  return queue(info.Env(), [spec](Session& s) -> MakeJsValue {
    const double parameters = static_cast<double>(PathSupernet::BuildNb201(s, spec));
    return [parameters](Napi::Env env) -> Napi::Value {
      return StatsObject(env, {{"parameters", parameters}});
    };
  });
}

// setPathMasks({masks: number[][]}): [] allows every option.
Napi::Value SetPathMasks(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto masks = RunSyncValue(info.Env(),
                            [&] { return ReadIntegerRows(js::ObjectArg(info, 0, "setPathMasks"), "masks"); });
  return queue(info.Env(), [masks](Session& s) -> MakeJsValue {
    PathSupernet::Of(s).SetPathMasks(masks);
    return NoResult();
  });
}

Napi::Value PathMasks(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  return queue(info.Env(), [](Session& s) -> MakeJsValue {
    auto rows = IntegerRowsAsDoubles(PathSupernet::Of(s).PathMasks());
    return [rows](Napi::Env env) -> Napi::Value { return Rows(env, rows); };
  });
}

// oneShotEpoch(data, {...loader, progressEvery}, onProgress) -> EpochStats
Napi::Value OneShotEpoch(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "oneShotEpoch");
  LoaderOptions loader = ReadLoaderOptions(o);
  const int64_t progress_every = js::Integer(o, "progressEvery", 20);
  auto sink =
      std::make_shared<ProgressSink>(info.Env(), info.Length() > 2 ? info[2] : info.Env().Undefined());
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    EpochStats st = PathSupernet::Of(s).OneShotEpoch(data, loader, progress_every,
                                                     [&](const ProgressSink::Record& r) { sink->Emit(r); });
    return EpochObject(st);
  });
}

// oneShotPaths({epoch, count}) -> number[][]
Napi::Value OneShotPaths(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  Napi::Object o = js::ObjectArg(info, 0, "oneShotPaths");
  const int64_t epoch = js::Integer(o, "epoch", 0), count = js::Integer(o, "count");
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    auto rows = IntegerRowsAsDoubles(PathSupernet::Of(s).OneShotPaths(epoch, count));
    return [rows](Napi::Env env) -> Napi::Value { return Rows(env, rows); };
  });
}

// evaluateArchitectures(data, {...loader, paths}) -> EvalStats[]
Napi::Value EvaluateArchitectures(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "evaluateArchitectures");
  LoaderOptions loader = ReadLoaderOptions(o);
  auto paths = RunSyncValue(info.Env(), [&] { return ReadIntegerRows(o, "paths"); });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    std::vector<MakeJsValue> each;
    for (const EvalStats& st : PathSupernet::Of(s).EvaluateArchitectures(data, loader, paths))
      each.push_back(EvalObject(st));
    return [each](Napi::Env env) -> Napi::Value {
      Napi::Array out = Napi::Array::New(env, each.size());
      for (size_t i = 0; i < each.size(); ++i) out.Set(static_cast<uint32_t>(i), each[i](env));
      return out;
    };
  });
}

Napi::Object MatchObject(Napi::Env env, const GradientMatch& m) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("decision", static_cast<double>(m.decision));
  out.Set("options", NumberArray(env, m.options));
  out.Set("distances", Rows(env, SquareRows(m.distances, m.options.size())));
  out.Set("norms", NumberArray(env, m.norms));
  return out;
}

// matchGradients(data, {...loader, decisions, repeats}) -> [{decision, options, distances, norms}]
Napi::Value MatchGradients(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "matchGradients");
  LoaderOptions loader = ReadLoaderOptions(o);
  auto decisions = RunSyncValue(info.Env(), [&] { return ReadIntegers(o, "decisions"); });
  const int64_t repeats = js::Integer(o, "repeats", 4);
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    auto matches = PathSupernet::Of(s).MatchGradients(data, loader, decisions, repeats);
    return [matches](Napi::Env env) -> Napi::Value {
      Napi::Array out = Napi::Array::New(env, matches.size());
      for (size_t i = 0; i < matches.size(); ++i)
        out.Set(static_cast<uint32_t>(i), MatchObject(env, matches[i]));
      return out;
    };
  });
}

// probePath(dataset, {batchSize, augment, path}) -> Session.probeLoss's result through one path.
Napi::Value ProbePath(const Napi::CallbackInfo& info, const SessionQueue& queue) {
  auto data = DatasetBinding::ViewOf(info[0]);
  Napi::Object o = js::ObjectArg(info, 1, "probePath");
  LoaderOptions loader = ReadLoaderOptions(o);
  std::vector<int64_t> path = RunSyncValue(info.Env(), [&] { return ReadIntegers(o, "path"); });
  return queue(info.Env(), [=](Session& s) -> MakeJsValue {
    auto probe = std::make_shared<LossProbe>(PathSupernet::Of(s).ProbePath(data, loader, path));
    return [probe](Napi::Env env) -> Napi::Value { return ProbeObject(env, *probe); };
  });
}

}  // namespace

const std::vector<NamedSessionMethod>& PathSupernetSessionMethods() {
  static const std::vector<NamedSessionMethod> methods = {{"buildNb201Supernet", &BuildNb201Supernet},
                                                          {"setPathMasks", &SetPathMasks},
                                                          {"pathMasks", &PathMasks},
                                                          {"oneShotEpoch", &OneShotEpoch},
                                                          {"oneShotPaths", &OneShotPaths},
                                                          {"evaluateArchitectures", &EvaluateArchitectures},
                                                          {"matchGradients", &MatchGradients},
                                                          {"probePath", &ProbePath}};
  return methods;
}

// cosineDistances({vectors}) -> number[][]; cosineDistances({batches: vectors per batch}) -> the
// per-batch matrices averaged, as matchGradients combines its batches (MeanCosineDistances).
Napi::Value CosineDistancesBinding(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "cosineDistances");
    auto tensors = [](const std::vector<std::vector<double>>& rows) {
      std::vector<torch::Tensor> out;
      for (const auto& v : rows) out.push_back(torch::tensor(v, torch::kFloat64));
      return out;
    };
    if (!js::Has(o, "batches")) {
      const std::vector<torch::Tensor> vectors = tensors(ReadTable(o, "vectors"));
      return Rows(info.Env(), SquareRows(CosineDistances(vectors), vectors.size()));
    }
    Napi::Value v = o.Get("batches");
    if (!v.IsArray())
      js::ThrowInvalid(info.Env(), "'batches' must be an array of batches, each an array of vectors");
    Napi::Array list = v.As<Napi::Array>();
    std::vector<std::vector<torch::Tensor>> batches;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Object one = Napi::Object::New(info.Env());
      one.Set("batches", list.Get(i));  // one batch, read as a table of vectors
      batches.push_back(tensors(ReadTable(one, "batches")));
    }
    const std::vector<double> d = MeanCosineDistances(batches);
    return Rows(info.Env(), SquareRows(d, batches[0].size()));
  });
}

}  // namespace torchnas
