// Device, precision and memory format of a session.
#pragma once
#include <torch/torch.h>

#include <string>

namespace torchnas {

// fp64 runs the whole model in double: for exactness checks (supernet equals child), not for speed.
enum class Precision { kFloat32, kBFloat16, kFloat64 };

struct ExecutionConfig {
  torch::Device device = torch::kCPU;
  Precision precision = Precision::kFloat32;
  bool channels_last = false;
};

// "auto" | "cpu" | "cuda" | "cuda:N". Throws E_NO_CUDA when CUDA is asked for and absent, and
// E_INVALID_ARGUMENT for anything else.
torch::Device ParseDevice(const std::string& text);
Precision ParsePrecision(const std::string& text);
std::string PrecisionName(Precision precision);
std::string DeviceName(const torch::Device& device);
// The dtype parameters live in: double under fp64, float otherwise (bf16 is autocast).
torch::ScalarType ParameterDtype(const ExecutionConfig& config);

// Enables bf16 autocast for the device type in scope (nothing for fp32); restores the previous state.
class AutocastScope {
 public:
  AutocastScope(const ExecutionConfig& config);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool was_enabled_ = false;
  torch::ScalarType previous_dtype_ = torch::kFloat32;
  torch::DeviceType type_ = torch::kCPU;
};

// The memory format a session asked for "auto" takes: channels_last where this LibTorch's depthwise
// and 1x1 convolutions run faster in it (oneDNN on a CPU in fp32/bf16, cuDNN in bf16); NCHW for
// fp64 (exactness checks) and CUDA fp32. BENCHMARKS.md has the measured steps.
bool PreferChannelsLast(const torch::Device& device, Precision precision);

// Puts 4-D parameters and buffers of `module` into channels_last (the C++ frontend's Module::to has
// no memory-format argument).
void ToChannelsLast(torch::nn::Module& module);
// Moves an input batch to the session's device, memory format and (fp64) dtype.
torch::Tensor PrepareInput(const torch::Tensor& batch, const ExecutionConfig& config);

}  // namespace torchnas
