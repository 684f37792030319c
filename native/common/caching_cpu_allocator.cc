#include "common/caching_cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <torch/version.h>

#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

// LibTorch 2.3 made Allocator::allocate non-const and added the pure virtual copy_data.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define TORCHNAS_ALLOCATOR_CONST
#define TORCHNAS_ALLOCATOR_COPY_DATA 1
#else
#define TORCHNAS_ALLOCATOR_CONST const
#endif

namespace torchnas {
namespace {

constexpr size_t kMinCached = size_t{1} << 20;
constexpr size_t kPage = 4096;

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(size_t budget) : budget_(budget) {}

  c10::DataPtr allocate(size_t n) TORCHNAS_ALLOCATOR_CONST override {
    // Small blocks are not tracked and free without the lock; raw_deleter() (Release) serves both
    // kinds, since it frees what it does not know.
    if (n < kMinCached) {
      void* small = c10::alloc_cpu(n);
      return {small, small, &c10::free_cpu, c10::Device(c10::DeviceType::CPU)};
    }
    const size_t size = (n + kPage - 1) / kPage * kPage;
    void* ptr = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto free = free_.find(size);
      if (free != free_.end()) {
        ptr = order_.at(free->second).second;
        order_.erase(free->second);
        free_.erase(free);
        cached_ -= size;
        ++hits_;
      } else {
        ++misses_;
      }
    }
    if (!ptr) ptr = c10::alloc_cpu(size);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      live_[ptr] = size;
    }
    return {ptr, ptr, &Release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &Release; }

#ifdef TORCHNAS_ALLOCATOR_COPY_DATA
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
#endif

  CpuCacheStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {cached_, hits_, misses_};
  }

  static CachingCpuAllocator* instance;

 private:
  static void Release(void* ptr) { instance->Free(ptr); }

  void Free(void* ptr) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto live = live_.find(ptr);
    if (live == live_.end()) {
      lock.unlock();
      c10::free_cpu(ptr);
      return;
    }
    const size_t size = live->second;
    live_.erase(live);
    if (size > budget_) {
      lock.unlock();
      c10::free_cpu(ptr);
      return;
    }
    // The oldest cached blocks make room: a process whose shapes change (another network, another
    // subnet) keeps caching what it uses now instead of what it used first.
    std::vector<void*> evicted;
    while (cached_ + size > budget_) {
      const auto oldest = order_.begin();
      const auto [oldest_size, block] = oldest->second;
      const auto range = free_.equal_range(oldest_size);
      for (auto it = range.first; it != range.second; ++it)
        if (it->second == oldest->first) {
          free_.erase(it);
          break;
        }
      cached_ -= oldest_size;
      evicted.push_back(block);
      order_.erase(oldest);
    }
    const uint64_t stamp = next_stamp_++;
    free_.emplace(size, stamp);
    order_.emplace(stamp, std::make_pair(size, ptr));
    cached_ += size;
    lock.unlock();
    for (void* block : evicted) c10::free_cpu(block);
  }

  const size_t budget_;
  // Mutable: LibTorch before 2.3 calls allocate() on a const allocator.
  mutable std::mutex mutex_;
  // Blocks ready for reuse: by size (to a stamp), by stamp in the order they were freed (to the block).
  mutable std::multimap<size_t, uint64_t> free_;
  mutable std::map<uint64_t, std::pair<size_t, void*>> order_;
  uint64_t next_stamp_ = 0;
  mutable std::unordered_map<void*, size_t> live_;  // handed out, with their rounded size
  mutable size_t cached_ = 0;
  mutable size_t hits_ = 0;
  mutable size_t misses_ = 0;
};

CachingCpuAllocator* CachingCpuAllocator::instance = nullptr;

}  // namespace

void InstallCachingCpuAllocator(size_t budget_bytes) {
  static std::once_flag once;
  std::call_once(once, [budget_bytes] {
    // Never destroyed: tensors may outlive every static destructor.
    CachingCpuAllocator::instance = new CachingCpuAllocator(budget_bytes);
    c10::SetCPUAllocator(CachingCpuAllocator::instance, /*priority=*/1);
  });
}

CpuCacheStats CachingCpuAllocatorStats() {
  return CachingCpuAllocator::instance ? CachingCpuAllocator::instance->stats() : CpuCacheStats{};
}

}  // namespace torchnas
