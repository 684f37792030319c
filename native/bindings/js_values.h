// Plain JS values made from native results: named numbers, typed arrays of tensors, tables.
#pragma once
#include <napi.h>
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "boundary/async_call.h"
#include "train/session.h"

namespace torchnas {

Napi::Object StatsObject(Napi::Env env, const std::vector<std::pair<std::string, double>>& fields);
MakeJsValue EvalObject(const EvalStats& stats);
MakeJsValue EpochObject(const EpochStats& stats);
Napi::Float64Array Float64Of(Napi::Env env, const torch::Tensor& t);
Napi::Float32Array Float32Of(Napi::Env env, const torch::Tensor& t);
// {[name]: Float32Array | Float64Array}, by each tensor's dtype.
Napi::Object NamedArrays(Napi::Env env, const std::vector<std::pair<std::string, torch::Tensor>>& tensors);
// {evalLogits, trainLogits, loss, gradients, gradientSquareSum}
Napi::Object ProbeObject(Napi::Env env, const LossProbe& probe);
Napi::Array Rows(Napi::Env env, const std::vector<std::vector<double>>& rows);
// o.channelsLast: true, false (the default) or 'auto' (PreferChannelsLast for the device and precision).
bool ReadChannelsLast(const Napi::Object& o, const torch::Device& device, Precision precision);
// A JS array of numbers.
template <typename T>
Napi::Array NumberArray(Napi::Env env, const std::vector<T>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i)
    out.Set(static_cast<uint32_t>(i), static_cast<double>(values[i]));
  return out;
}
// What a call that returns nothing settles its Promise with.
MakeJsValue NoResult();

}  // namespace torchnas
