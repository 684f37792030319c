// One native worker thread per session. LibTorch work never runs on Node's libuv pool (it would
// starve file and DNS I/O) and calls on one session run strictly in order.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace torchnas {

class DeviceQueue {
 public:
  DeviceQueue();
  ~DeviceQueue();
  DeviceQueue(const DeviceQueue&) = delete;
  DeviceQueue& operator=(const DeviceQueue&) = delete;

  // Returns false when the queue is closed; the task is not run then.
  bool Push(std::function<void()> task);
  // Stops taking tasks; the thread finishes what is queued and exits. Does not wait.
  void Drain();
  // Drain, then wait for the thread. Idempotent. Never call it from a task.
  void Close();
  bool closed() const;
  // True once the thread has left its loop: Close() then returns at once.
  bool exited() const { return exited_; }

 private:
  void Loop();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool closing_ = false;
  std::atomic<bool> exited_{false};
  std::thread thread_;
};

}  // namespace torchnas
