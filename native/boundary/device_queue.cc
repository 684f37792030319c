#include "boundary/device_queue.h"

namespace torchnas {

DeviceQueue::DeviceQueue() : thread_([this] { Loop(); }) {}

DeviceQueue::~DeviceQueue() { Close(); }

bool DeviceQueue::Push(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) return false;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void DeviceQueue::Drain() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  wake_.notify_one();
}

void DeviceQueue::Close() {
  Drain();
  if (thread_.joinable()) thread_.join();
}

bool DeviceQueue::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closing_;
}

void DeviceQueue::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return closing_ || !tasks_.empty(); });
      if (tasks_.empty()) {  // closing and drained
        exited_ = true;
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();  // tasks catch their own exceptions (see async_call.h)
  }
}

}  // namespace torchnas
