// Reading plain option objects at the boundary. TypeScript validates every option first (zod); these
// checks only guard the native side against a caller that bypasses lib/ and calls the addon directly.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

namespace torchnas::js {

Napi::Object ObjectArg(const Napi::CallbackInfo& info, size_t index, const char* what);
Napi::Object ObjectField(const Napi::Object& object, const char* key);
bool Has(const Napi::Object& object, const char* key);
double Number(const Napi::Object& object, const char* key);
double Number(const Napi::Object& object, const char* key, double fallback);
int64_t Integer(const Napi::Object& object, const char* key);
int64_t Integer(const Napi::Object& object, const char* key, int64_t fallback);
bool Bool(const Napi::Object& object, const char* key, bool fallback);
std::string String(const Napi::Object& object, const char* key);
std::string String(const Napi::Object& object, const char* key, const std::string& fallback);
std::vector<Napi::Object> ObjectArray(const Napi::Object& object, const char* key);

// Throws a JS TypeError with code E_INVALID_ARGUMENT.
[[noreturn]] void ThrowInvalid(Napi::Env env, const std::string& message);

}  // namespace torchnas::js
