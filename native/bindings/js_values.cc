#include "bindings/js_values.h"

#include <cstring>

#include "boundary/js_args.h"

namespace torchnas {

Napi::Object StatsObject(Napi::Env env, const std::vector<std::pair<std::string, double>>& fields) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& [key, value] : fields) out.Set(key, Napi::Number::New(env, value));
  return out;
}

MakeJsValue EvalObject(const EvalStats& st) {
  return [st](Napi::Env env) -> Napi::Value {
    return StatsObject(env, {{"images", static_cast<double>(st.images)},
                             {"loss", st.loss},
                             {"top1", st.top1},
                             {"top5", st.top5},
                             {"seconds", st.seconds}});
  };
}

MakeJsValue EpochObject(const EpochStats& st) {
  return [st](Napi::Env env) -> Napi::Value {
    return StatsObject(env, {{"steps", static_cast<double>(st.steps)},
                             {"images", static_cast<double>(st.images)},
                             {"loss", st.loss},
                             {"top1", st.top1},
                             {"seconds", st.seconds},
                             {"lr", st.lr}});
  };
}

Napi::Float64Array Float64Of(Napi::Env env, const torch::Tensor& t) {
  torch::Tensor c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  Napi::Float64Array a = Napi::Float64Array::New(env, static_cast<size_t>(c.numel()));
  std::memcpy(a.Data(), c.data_ptr<double>(), a.ByteLength());
  return a;
}

Napi::Float32Array Float32Of(Napi::Env env, const torch::Tensor& t) {
  torch::Tensor c = t.to(torch::kCPU, torch::kFloat32).contiguous();
  Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(c.numel()));
  std::memcpy(a.Data(), c.data_ptr<float>(), a.ByteLength());
  return a;
}

Napi::Object NamedArrays(Napi::Env env, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& [name, t] : tensors) {
    if (t.scalar_type() == torch::kFloat64)
      out.Set(name, Float64Of(env, t));
    else
      out.Set(name, Float32Of(env, t));
  }
  return out;
}

Napi::Array Rows(Napi::Env env, const std::vector<std::vector<double>>& rows) {
  Napi::Array out = Napi::Array::New(env, rows.size());
  for (size_t e = 0; e < rows.size(); ++e) out.Set(static_cast<uint32_t>(e), NumberArray(env, rows[e]));
  return out;
}

MakeJsValue NoResult() {
  return [](Napi::Env env) -> Napi::Value { return env.Undefined(); };
}

Napi::Object ProbeObject(Napi::Env env, const LossProbe& probe) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("evalLogits", Float64Of(env, probe.eval_logits));
  out.Set("trainLogits", Float64Of(env, probe.train_logits));
  out.Set("loss", probe.loss);
  out.Set("gradients", NamedArrays(env, probe.gradients));
  out.Set("gradientSquareSum", probe.gradient_square_sum);
  return out;
}

bool ReadChannelsLast(const Napi::Object& o, const torch::Device& device, Precision precision) {
  const Napi::Value layout = o.Get("channelsLast");
  const bool automatic = layout.IsString() && layout.As<Napi::String>().Utf8Value() == "auto";
  if (automatic) return PreferChannelsLast(device, precision);
  return js::Bool(o, "channelsLast", false);
}

}  // namespace torchnas
