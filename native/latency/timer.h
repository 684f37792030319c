// Times a unit of work on its device. CPU: the steady clock around each call. GPU: CUDA events on
// the current stream, synchronized per repeat, so a figure is device time and never launch time
// alone; optionally the work is captured once as a CUDA graph and replayed, which removes launch
// overhead. Warm-up calls run first and are not counted.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace torchnas {

struct TimerOptions {
  int64_t warmup = 10;
  int64_t repeats = 50;
  bool cuda_graph = false;
};

struct TimedSamples {
  std::vector<double> ms;  // one duration per repeat
  std::string method;      // "steady-clock", "cuda-events" or "cuda-events+graph"
};

TimedSamples TimeWork(const std::function<void()>& work, const torch::Device& device,
                      const TimerOptions& options);

}  // namespace torchnas
