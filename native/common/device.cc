#include "common/device.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "common/error.h"

// LibTorch 2.4 replaced the per-device autocast setters with device-typed ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define TORCHNAS_AUTOCAST_DEVICE_API 1
#endif

namespace torchnas {

torch::Device ParseDevice(const std::string& text) {
  if (text == "auto")
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (text == "cpu") return torch::kCPU;
  if (text == "cuda" || text.rfind("cuda:", 0) == 0) {
    int64_t index = 0;
    if (text.size() > 5) {
      try {
        size_t used = 0;
        index = std::stoll(text.substr(5), &used);
        if (used != text.size() - 5 || index < 0) throw std::invalid_argument(text);
      } catch (const std::exception&) {
        Fail(codes::kInvalidArgument,
             "device '" + text + "' is not valid: use 'cuda' or 'cuda:N' with N >= 0");
      }
    }
    if (!torch::cuda::is_available()) {
      Fail(codes::kNoCuda,
           "device '" + text +
               "' was asked for, but this LibTorch sees no CUDA device (CPU build or no GPU): "
               "use `device` cpu or auto");
    }
    int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (index >= count) {
      Fail(codes::kNoCuda, "device '" + text + "' does not exist: this machine has " + std::to_string(count) +
                               " CUDA device(s), cuda:0..cuda:" + std::to_string(count - 1));
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  Fail(codes::kInvalidArgument, "device '" + text + "' is not valid: use auto, cpu, cuda or cuda:N");
}

Precision ParsePrecision(const std::string& text) {
  if (text == "fp32") return Precision::kFloat32;
  if (text == "bf16") return Precision::kBFloat16;
  if (text == "fp64") return Precision::kFloat64;
  Fail(codes::kInvalidArgument, "precision '" + text + "' is not valid: use fp32, bf16 or fp64");
}

std::string PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kBFloat16:
      return "bf16";
    case Precision::kFloat64:
      return "fp64";
    default:
      return "fp32";
  }
}

torch::ScalarType ParameterDtype(const ExecutionConfig& config) {
  return config.precision == Precision::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

std::string DeviceName(const torch::Device& device) { return device.str(); }

AutocastScope::AutocastScope(const ExecutionConfig& config) {
  if (config.precision != Precision::kBFloat16) return;
  type_ = config.device.type();
  active_ = true;
#ifdef TORCHNAS_AUTOCAST_DEVICE_API
  was_enabled_ = at::autocast::is_autocast_enabled(type_);
  previous_dtype_ = at::autocast::get_autocast_dtype(type_);
  at::autocast::set_autocast_enabled(type_, true);
  at::autocast::set_autocast_dtype(type_, torch::kBFloat16);
#else
  if (type_ == torch::kCUDA) {
    was_enabled_ = at::autocast::is_enabled();
    previous_dtype_ = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_enabled(true);
    at::autocast::set_autocast_gpu_dtype(torch::kBFloat16);
  } else {
    was_enabled_ = at::autocast::is_cpu_enabled();
    previous_dtype_ = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(torch::kBFloat16);
  }
#endif
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#ifdef TORCHNAS_AUTOCAST_DEVICE_API
  at::autocast::set_autocast_enabled(type_, was_enabled_);
  at::autocast::set_autocast_dtype(type_, previous_dtype_);
#else
  if (type_ == torch::kCUDA) {
    at::autocast::set_enabled(was_enabled_);
    at::autocast::set_autocast_gpu_dtype(previous_dtype_);
  } else {
    at::autocast::set_cpu_enabled(was_enabled_);
    at::autocast::set_autocast_cpu_dtype(previous_dtype_);
  }
#endif
}

bool PreferChannelsLast(const torch::Device& device, Precision precision) {
  if (precision == Precision::kFloat64) return false;
  return device.is_cpu() || precision == Precision::kBFloat16;
}

namespace {
// channels_last strides even where the shape leaves the format ambiguous (one channel, 1x1 or
// depthwise kernels): there contiguous(ChannelsLast) keeps the NCHW strides, LibTorch's kernels then
// see NCHW, and a one-channel input kept a whole network in NCHW (measured: no speed-up at all).
torch::Tensor ChannelsLastStrides(const torch::Tensor& t) {
  return t.to(t.options(), /*non_blocking=*/false, /*copy=*/false, torch::MemoryFormat::ChannelsLast);
}
}  // namespace

void ToChannelsLast(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(ChannelsLastStrides(p.data()));
  }
}

torch::Tensor PrepareInput(const torch::Tensor& batch, const ExecutionConfig& config) {
  torch::Tensor x = batch.to(config.device, /*non_blocking=*/true);
  if (config.precision == Precision::kFloat64 && x.is_floating_point()) x = x.to(torch::kFloat64);
  if (config.channels_last && x.dim() == 4) x = ChannelsLastStrides(x);
  return x;
}

}  // namespace torchnas
