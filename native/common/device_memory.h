// Memory held on an accelerator, from its caching allocator (what the search-step benchmark reports
// as peak memory). CPU memory is read from the process (resident set) by the caller instead.
#pragma once
#include <torch/torch.h>

namespace torchnas {

struct DeviceMemoryStats {
  bool available = false;  // false on CPU devices and on builds without CUDA
  double allocated_bytes = 0.0;
  double peak_allocated_bytes = 0.0;
  double reserved_bytes = 0.0;
  double peak_reserved_bytes = 0.0;
};

// Reads the caching allocator's counters for `device`; with `reset_peak`, the peaks then restart
// from what is allocated now.
DeviceMemoryStats ReadDeviceMemory(const torch::Device& device, bool reset_peak);

}  // namespace torchnas
