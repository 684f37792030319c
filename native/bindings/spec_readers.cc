#include "bindings/spec_readers.h"

#include <cmath>

#include "boundary/js_args.h"
#include "bindings/dataset_binding.h"

namespace torchnas {

BlockSpec ReadBlockSpec(const Napi::Object& b) {
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
  block.residual = js::Bool(b, "residual", true);
  return block;
}

std::vector<BlockSpec> ReadBlocks(const Napi::Object& o, const char* key) {
  std::vector<BlockSpec> blocks;
  for (const Napi::Object& b : js::ObjectArray(o, key)) blocks.push_back(ReadBlockSpec(b));
  return blocks;
}

NetworkSpec ReadNetworkSpec(const Napi::Object& o) {
  NetworkSpec spec;
  Napi::Object input = js::ObjectField(o, "input");
  spec.in_channels = js::Integer(input, "channels");
  spec.height = js::Integer(input, "height");
  spec.width = js::Integer(input, "width");
  spec.classes = js::Integer(o, "classes");
  spec.blocks = ReadBlocks(o, "blocks");
  return spec;
}

SupernetSpec ReadSupernetSpec(const Napi::Object& o) {
  SupernetSpec spec;
  spec.in_channels = js::Integer(js::ObjectField(o, "input"), "channels");
  spec.classes = js::Integer(o, "classes");
  spec.stem = ReadBlocks(o, "stem");
  spec.head = ReadBlocks(o, "head");
  for (const Napi::Object& e : js::ObjectArray(o, "edges")) {
    spec.edges.push_back(EdgeSpec{ReadBlocks(e, "candidates"), js::Bool(e, "shortcut", false)});
  }
  return spec;
}

std::vector<std::vector<double>> ReadTable(const Napi::Object& o, const char* key) {
  std::vector<std::vector<double>> table;
  if (!js::Has(o, key)) return table;
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) js::ThrowInvalid(o.Env(), std::string("expected an array of arrays for '") + key + "'");
  Napi::Array rows = v.As<Napi::Array>();
  for (uint32_t i = 0; i < rows.Length(); ++i) {
    Napi::Value row = rows.Get(i);
    if (!row.IsArray())
      js::ThrowInvalid(o.Env(), std::string("expected an array of arrays for '") + key + "'");
    std::vector<double> values;
    Napi::Array r = row.As<Napi::Array>();
    for (uint32_t j = 0; j < r.Length(); ++j) {
      Napi::Value cell = r.Get(j);
      if (!cell.IsNumber() || !std::isfinite(cell.As<Napi::Number>().DoubleValue())) {
        js::ThrowInvalid(o.Env(), std::string("'") + key + "' must hold finite numbers only");
      }
      values.push_back(cell.As<Napi::Number>().DoubleValue());
    }
    table.push_back(std::move(values));
  }
  return table;
}

namespace {
std::vector<double> NumbersOf(const Napi::Env& env, const Napi::Value& v, const std::string& what) {
  std::vector<double> values;
  if (v.IsTypedArray()) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    if (t.TypedArrayType() == napi_float64_array) {
      Napi::Float64Array a = v.As<Napi::Float64Array>();
      values.assign(a.Data(), a.Data() + a.ElementLength());
    } else if (t.TypedArrayType() == napi_float32_array) {
      Napi::Float32Array a = v.As<Napi::Float32Array>();
      values.assign(a.Data(), a.Data() + a.ElementLength());
    } else {
      js::ThrowInvalid(env, what + " must be a Float64Array, Float32Array or number array");
    }
  } else if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value cell = a.Get(i);
      if (!cell.IsNumber()) js::ThrowInvalid(env, what + " must hold numbers only");
      values.push_back(cell.As<Napi::Number>().DoubleValue());
    }
  } else {
    js::ThrowInvalid(env, what + " must be an array of numbers");
  }
  for (double x : values) {
    if (!std::isfinite(x)) js::ThrowInvalid(env, what + " must hold finite numbers only");
  }
  return values;
}
}  // namespace

std::vector<double> ReadNumbers(const Napi::Object& o, const char* key) {
  if (!js::Has(o, key)) return {};
  return NumbersOf(o.Env(), o.Get(key), std::string("'") + key + "'");
}

std::vector<int64_t> ReadIntegers(const Napi::Object& o, const char* key) {
  std::vector<int64_t> out;
  for (double x : ReadNumbers(o, key)) {
    if (x != std::floor(x)) js::ThrowInvalid(o.Env(), std::string("'") + key + "' must hold integers only");
    out.push_back(static_cast<int64_t>(x));
  }
  return out;
}

std::map<std::string, std::vector<double>> ReadNamedVectors(const Napi::Object& o) {
  std::map<std::string, std::vector<double>> out;
  Napi::Array names = o.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const std::string name = names.Get(i).As<Napi::String>().Utf8Value();
    out[name] = NumbersOf(o.Env(), o.Get(name), "tensor '" + name + "'");
  }
  return out;
}

ArchSpec ReadArchSpec(const Napi::Object& o) {
  ArchSpec spec;
  const std::string method = js::String(o, "method", "gradient");
  if (method != "gradient" && method != "reinforce")
    js::ThrowInvalid(o.Env(), "method must be gradient or reinforce");
  spec.method = method == "gradient" ? ArchMethod::kGradient : ArchMethod::kReinforce;
  spec.mode = ParseGateMode(js::String(o, "mode", "full_v2"));
  spec.lr = js::Number(o, "lr", spec.lr);
  spec.beta1 = js::Number(o, "beta1", spec.beta1);
  spec.beta2 = js::Number(o, "beta2", spec.beta2);
  spec.weight_decay = js::Number(o, "weightDecay", spec.weight_decay);
  spec.latency = ReadTable(o, "latency");
  spec.fixed_latency = js::Number(o, "fixedLatency", 0.0);
  const std::string loss = js::String(o, "latencyLoss", "none");
  if (loss == "none")
    spec.loss = LatencyLoss::kNone;
  else if (loss == "mul#log")
    spec.loss = LatencyLoss::kMulLog;
  else if (loss == "add#linear")
    spec.loss = LatencyLoss::kAddLinear;
  else if (loss == "abs#ratio")
    spec.loss = LatencyLoss::kAbsRatio;
  else
    js::ThrowInvalid(o.Env(), "latencyLoss must be none, mul#log, add#linear or abs#ratio");
  spec.target = js::Number(o, "target", 0.0);
  spec.mul_a = js::Number(o, "a", spec.mul_a);
  spec.mul_b = js::Number(o, "b", spec.mul_b);
  spec.add_lambda = js::Number(o, "lambda", spec.add_lambda);
  spec.samples = js::Integer(o, "samples", spec.samples);
  const std::string zero = js::String(o, "zeroActiveGradient", "keep");
  if (zero != "keep" && zero != "drop") js::ThrowInvalid(o.Env(), "zeroActiveGradient must be keep or drop");
  spec.drop_gradient_when_zero_active = zero == "drop";
  spec.reward_exponent = js::Number(o, "rewardExponent", spec.reward_exponent);
  spec.baseline_decay = js::Number(o, "baselineDecay", spec.baseline_decay);
  return spec;
}

Nb201Spec ReadNb201Spec(const Napi::Object& o) {
  Nb201Spec spec;
  Napi::Value ops = o.Get("ops");
  if (!ops.IsArray() || ops.As<Napi::Array>().Length() != spec.ops.size()) {
    js::ThrowInvalid(o.Env(), "ops must be an array of the 6 NB201 edge ops");
  }
  for (uint32_t i = 0; i < spec.ops.size(); ++i) {
    Napi::Value op = ops.As<Napi::Array>().Get(i);
    if (!op.IsString()) js::ThrowInvalid(o.Env(), "ops must be strings");
    spec.ops[i] = ParseNb201Op(op.As<Napi::String>().Utf8Value());
  }
  spec.classes = js::Integer(o, "classes", spec.classes);
  spec.channels = js::Integer(o, "channels", spec.channels);
  spec.cells_per_stage = js::Integer(o, "cells", spec.cells_per_stage);
  spec.in_channels = js::Integer(o, "inputChannels", spec.in_channels);
  return spec;
}

ProxyRequest ReadProxyRequest(const Napi::Object& o) {
  ProxyRequest request;
  request.loader = ReadLoaderOptions(o);
  Napi::Value proxies = o.Get("proxies");
  if (!proxies.IsArray()) js::ThrowInvalid(o.Env(), "proxies must be an array of proxy names");
  for (uint32_t i = 0; i < proxies.As<Napi::Array>().Length(); ++i) {
    Napi::Value name = proxies.As<Napi::Array>().Get(i);
    if (!name.IsString()) js::ThrowInvalid(o.Env(), "proxies must be an array of proxy names");
    request.proxies.push_back(name.As<Napi::String>().Utf8Value());
  }
  Napi::Object input = js::ObjectField(o, "input");
  request.input = {js::Integer(input, "channels"), js::Integer(input, "height"), js::Integer(input, "width")};
  return request;
}

ProfileOptions ReadProfileOptions(const Napi::Object& o) {
  ProfileOptions options;
  options.batch = js::Integer(o, "batch", 1);
  options.timer.warmup = js::Integer(o, "warmup", options.timer.warmup);
  options.timer.repeats = js::Integer(o, "repeats", options.timer.repeats);
  options.timer.cuda_graph = js::Bool(o, "cudaGraph", false);
  options.fold_batch_norm = js::Bool(o, "foldBatchNorm", false);
  return options;
}

std::vector<LayerProbe> ReadLayerProbes(const Napi::Object& o) {
  std::vector<LayerProbe> probes;
  for (const Napi::Object& layer : js::ObjectArray(o, "layers")) {
    LayerProbe probe;
    probe.block = ReadBlockSpec(js::ObjectField(layer, "block"));
    if (!layer.Get("input").IsArray()) js::ThrowInvalid(o.Env(), "each layer needs an input shape array");
    Napi::Array shape = layer.Get("input").As<Napi::Array>();
    for (uint32_t i = 0; i < shape.Length(); ++i)
      probe.input.push_back(shape.Get(i).As<Napi::Number>().Int64Value());
    probes.push_back(std::move(probe));
  }
  return probes;
}

// Rows of whole numbers (masks, paths) from an array of number arrays.
std::vector<std::vector<int64_t>> ReadIntegerRows(const Napi::Object& o, const char* key) {
  std::vector<std::vector<int64_t>> out;
  for (const auto& row : ReadTable(o, key)) {
    out.emplace_back();
    for (double v : row) {
      if (v != std::floor(v)) js::ThrowInvalid(o.Env(), std::string(key) + " must hold whole numbers");
      out.back().push_back(static_cast<int64_t>(v));
    }
  }
  return out;
}

}  // namespace torchnas
