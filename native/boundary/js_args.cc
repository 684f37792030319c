#include "boundary/js_args.h"

#include <cmath>

namespace torchnas::js {

void ThrowInvalid(Napi::Env env, const std::string& message) {
  Napi::TypeError error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "E_INVALID_ARGUMENT"));
  throw error;
}

Napi::Object ObjectArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsObject()) {
    ThrowInvalid(info.Env(), std::string("expected an options object for ") + what);
  }
  return info[index].As<Napi::Object>();
}

bool Has(const Napi::Object& object, const char* key) {
  Napi::Value v = object.Get(key);
  return !v.IsUndefined() && !v.IsNull();
}

Napi::Object ObjectField(const Napi::Object& object, const char* key) {
  Napi::Value v = object.Get(key);
  if (!v.IsObject()) ThrowInvalid(object.Env(), std::string("expected an object for '") + key + "'");
  return v.As<Napi::Object>();
}

double Number(const Napi::Object& object, const char* key) {
  Napi::Value v = object.Get(key);
  if (!v.IsNumber()) ThrowInvalid(object.Env(), std::string("expected a number for '") + key + "'");
  return v.As<Napi::Number>().DoubleValue();
}

double Number(const Napi::Object& object, const char* key, double fallback) {
  return Has(object, key) ? Number(object, key) : fallback;
}

int64_t Integer(const Napi::Object& object, const char* key) {
  double d = Number(object, key);
  if (!std::isfinite(d) || std::floor(d) != d) {
    ThrowInvalid(object.Env(), std::string("expected an integer for '") + key + "'");
  }
  return static_cast<int64_t>(d);
}

int64_t Integer(const Napi::Object& object, const char* key, int64_t fallback) {
  return Has(object, key) ? Integer(object, key) : fallback;
}

bool Bool(const Napi::Object& object, const char* key, bool fallback) {
  if (!Has(object, key)) return fallback;
  Napi::Value v = object.Get(key);
  if (!v.IsBoolean()) ThrowInvalid(object.Env(), std::string("expected a boolean for '") + key + "'");
  return v.As<Napi::Boolean>().Value();
}

std::string String(const Napi::Object& object, const char* key) {
  Napi::Value v = object.Get(key);
  if (!v.IsString()) ThrowInvalid(object.Env(), std::string("expected a string for '") + key + "'");
  return v.As<Napi::String>().Utf8Value();
}

std::string String(const Napi::Object& object, const char* key, const std::string& fallback) {
  return Has(object, key) ? String(object, key) : fallback;
}

std::vector<Napi::Object> ObjectArray(const Napi::Object& object, const char* key) {
  Napi::Value v = object.Get(key);
  if (!v.IsArray()) ThrowInvalid(object.Env(), std::string("expected an array for '") + key + "'");
  Napi::Array array = v.As<Napi::Array>();
  std::vector<Napi::Object> out;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsObject()) {
      ThrowInvalid(object.Env(), std::string("expected objects in '") + key + "', item " + std::to_string(i));
    }
    out.push_back(item.As<Napi::Object>());
  }
  return out;
}

}  // namespace torchnas::js
