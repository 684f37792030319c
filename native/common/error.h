// A native failure with a stable code. Thrown anywhere in native code; the boundary turns it into a
// JS TorchnasError with the same code. Codes are listed in lib/errors.ts.
#pragma once
#include <stdexcept>
#include <string>

namespace torchnas {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// Codes shared with lib/errors.ts.
namespace codes {
inline constexpr const char* kInvalidArgument = "E_INVALID_ARGUMENT";
inline constexpr const char* kData = "E_DATA";
inline constexpr const char* kIo = "E_IO";
inline constexpr const char* kNoCuda = "E_NO_CUDA";
inline constexpr const char* kNanLoss = "E_NAN_LOSS";
inline constexpr const char* kClosed = "E_CLOSED";
inline constexpr const char* kState = "E_STATE";
inline constexpr const char* kTorch = "E_TORCH";
inline constexpr const char* kNative = "E_NATIVE";
inline constexpr const char* kRankFailed = "E_RANK_FAILED";
}  // namespace codes

[[noreturn]] inline void Fail(const char* code, const std::string& message) { throw Error(code, message); }

inline void Require(bool ok, const std::string& message) {
  if (!ok) Fail(codes::kInvalidArgument, message);
}

}  // namespace torchnas
