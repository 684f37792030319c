// A caching allocator for LibTorch's CPU tensors. Training and timing loops free and re-allocate the
// same sizes every step; glibc hands large blocks of a worker thread's arena back to the kernel and
// faults them in again on the next step (a tenth of a training step's time here, and most of the
// run-to-run spread of a latency figure). Freed blocks of 1 MiB or more are kept, by exact size, up
// to a byte budget, and reused; smaller ones are allocated and freed as LibTorch's default does.
#pragma once
#include <cstddef>

namespace torchnas {

// Makes the caching allocator LibTorch's CPU allocator (once per process; later calls do nothing).
// `budget_bytes` bounds the memory kept for reuse.
void InstallCachingCpuAllocator(size_t budget_bytes);

struct CpuCacheStats {
  size_t cached_bytes = 0;  // freed and kept for reuse
  size_t hits = 0;          // allocations served from the cache
  size_t misses = 0;        // allocations of cacheable size that went to the system
};
CpuCacheStats CachingCpuAllocatorStats();

}  // namespace torchnas
