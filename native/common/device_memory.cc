#include "common/device_memory.h"

#ifdef TORCHNAS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace torchnas {

DeviceMemoryStats ReadDeviceMemory(const torch::Device& device, bool reset_peak) {
  DeviceMemoryStats out;
#ifdef TORCHNAS_WITH_CUDA
  if (device.is_cuda()) {
    const c10::DeviceIndex index = device.has_index() ? device.index() : 0;
    // Index 0 of each stat array is the aggregate over pool kinds (the same in LibTorch 1.x and 2.x).
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
    out.available = true;
    out.allocated_bytes = static_cast<double>(stats.allocated_bytes[0].current);
    out.peak_allocated_bytes = static_cast<double>(stats.allocated_bytes[0].peak);
    out.reserved_bytes = static_cast<double>(stats.reserved_bytes[0].current);
    out.peak_reserved_bytes = static_cast<double>(stats.reserved_bytes[0].peak);
    if (reset_peak) c10::cuda::CUDACachingAllocator::resetPeakStats(index);
  }
#else
  (void)device;
  (void)reset_peak;
#endif
  return out;
}

}  // namespace torchnas
