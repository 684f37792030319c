#include "latency/timer.h"

#include <chrono>

#include "common/error.h"

#ifdef TORCHNAS_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace torchnas {
namespace {

TimedSamples TimeOnCpu(const std::function<void()>& work, const TimerOptions& options) {
  for (int64_t i = 0; i < options.warmup; ++i) work();
  TimedSamples out{{}, "steady-clock"};
  out.ms.reserve(static_cast<size_t>(options.repeats));
  for (int64_t i = 0; i < options.repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    out.ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return out;
}

#ifdef TORCHNAS_WITH_CUDA
// Event pairs around each repeat on `stream`; `run` is the eager work or a graph replay.
std::vector<double> TimeWithEvents(const std::function<void()>& run, const at::cuda::CUDAStream& stream,
                                   int64_t repeats) {
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(repeats));
  for (int64_t i = 0; i < repeats; ++i) {
    at::cuda::CUDAEvent start(cudaEventDefault), end(cudaEventDefault);
    start.record(stream);
    run();
    end.record(stream);
    end.synchronize();
    ms.push_back(static_cast<double>(start.elapsed_time(end)));
  }
  return ms;
}

TimedSamples TimeOnCuda(const std::function<void()>& work, const torch::Device& device,
                        const TimerOptions& options) {
  c10::cuda::CUDAGuard device_guard(device);
  if (!options.cuda_graph) {
    for (int64_t i = 0; i < options.warmup; ++i) work();
    at::cuda::CUDAStream stream = at::cuda::getCurrentCUDAStream(device.index());
    stream.synchronize();
    return {TimeWithEvents(work, stream, options.repeats), "cuda-events"};
  }
  // Capture needs a stream other than the legacy default one. Eager warm-up on that stream first,
  // so cuDNN chooses its algorithms (and allocates workspaces) outside the capture.
  at::cuda::CUDAStream side = at::cuda::getStreamFromPool(false, device.index());
  c10::cuda::CUDAStreamGuard stream_guard(side);
  for (int64_t i = 0; i < std::max<int64_t>(options.warmup, 3); ++i) work();
  side.synchronize();
  at::cuda::CUDAGraph graph;
  graph.capture_begin();
  work();
  graph.capture_end();
  auto replay = [&graph] { graph.replay(); };
  for (int64_t i = 0; i < options.warmup; ++i) replay();
  side.synchronize();
  return {TimeWithEvents(replay, side, options.repeats), "cuda-events+graph"};
}
#endif

}  // namespace

TimedSamples TimeWork(const std::function<void()>& work, const torch::Device& device,
                      const TimerOptions& options) {
  Require(options.warmup >= 0, "warmup must be 0 or more");
  Require(options.repeats >= 1, "repeats must be at least 1");
  if (!device.is_cuda()) {
    Require(!options.cuda_graph,
            "CUDA-graph timing needs a CUDA device: drop `cudaGraph` or use `device` cuda");
    return TimeOnCpu(work, options);
  }
#ifdef TORCHNAS_WITH_CUDA
  return TimeOnCuda(work, device, options);
#else
  Fail(codes::kNoCuda,
       "this torchnas build has no CUDA timing: rebuild against a CUDA LibTorch (npm run build:native)");
#endif
}

}  // namespace torchnas
