// Makes items 0..count-1 on `workers` threads of its own and hands them out in order, with at most
// `ahead` of them made or being made ahead of the reader. A failure on a thread is rethrown by Next()
// once every earlier item has been handed out. The maker must not touch V8 and must be thread-safe.
#pragma once
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace torchnas {

template <typename T>
class Prefetcher {
 public:
  Prefetcher(int64_t count, int64_t ahead, std::function<T(int64_t)> make, int64_t workers = 1)
      : count_(count), ahead_(std::max<int64_t>(1, ahead)), make_(std::move(make)) {
    const int64_t threads = std::min(std::max<int64_t>(1, workers), count);
    for (int64_t t = 0; t < threads; ++t) threads_.emplace_back([this] { Work(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  std::optional<T> Next() {
    std::unique_lock<std::mutex> lock(mutex_);
    // Every item before a failure was claimed, so it will be ready or fail itself: no endless wait.
    changed_.wait(lock, [this] {
      return delivered_ == count_ || delivered_ >= failed_at_ || ready_.count(delivered_);
    });
    if (delivered_ == count_) return std::nullopt;
    if (delivered_ >= failed_at_) std::rethrow_exception(failure_);
    auto it = ready_.find(delivered_);
    T item = std::move(it->second);
    ready_.erase(it);
    ++delivered_;
    changed_.notify_all();
    return item;
  }

 private:
  void Work() {
    for (;;) {
      int64_t index = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock,
                      [this] { return stop_ || failed_ || next_ >= count_ || next_ < delivered_ + ahead_; });
        if (stop_ || failed_ || next_ >= count_) return;
        index = next_++;
      }
      try {
        T item = make_(index);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(index, std::move(item));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        failed_ = true;
        if (index < failed_at_) {
          failed_at_ = index;
          failure_ = std::current_exception();
        }
      }
      changed_.notify_all();
    }
  }

  int64_t count_;
  int64_t ahead_;
  std::function<T(int64_t)> make_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int64_t, T> ready_;
  int64_t next_ = 0;       // the next item a worker takes
  int64_t delivered_ = 0;  // items handed to the reader
  bool stop_ = false;
  bool failed_ = false;
  int64_t failed_at_ = std::numeric_limits<int64_t>::max();  // the earliest item that failed
  std::exception_ptr failure_;
  std::vector<std::thread> threads_;
};

}  // namespace torchnas
