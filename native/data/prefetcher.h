// Makes items 0..count-1 on a thread of its own, at most `ahead` of them ahead of the reader, in
// order. A failure on the thread is rethrown by Next(). The maker must not touch V8.
#pragma once
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace torchnas {

template <typename T>
class Prefetcher {
 public:
  Prefetcher(int64_t count, int64_t ahead, std::function<T(int64_t)> make)
      : count_(count), ahead_(std::max<int64_t>(1, ahead)), make_(std::move(make)) {
    thread_ = std::thread([this] { Produce(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  std::optional<T> Next() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !ready_.empty() || done_; });
    if (ready_.empty()) {
      if (failure_) std::rethrow_exception(failure_);
      return std::nullopt;
    }
    T item = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return item;
  }

 private:
  void Produce() {
    try {
      for (int64_t i = 0; i < count_; ++i) {
        T item = make_(i);
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return stop_ || static_cast<int64_t>(ready_.size()) < ahead_; });
        if (stop_) break;
        ready_.push_back(std::move(item));
        changed_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      failure_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }

  int64_t count_;
  int64_t ahead_;
  std::function<T(int64_t)> make_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> ready_;
  bool stop_ = false;
  bool done_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace torchnas
