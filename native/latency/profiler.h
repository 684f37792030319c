// Latency of layers and whole networks: each module is built on the session's device in eval mode
// (BatchNorm uses running statistics, optionally folded into its conv), fed a random batch, and
// timed without autograd under the session's precision and memory format.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "common/device.h"
#include "latency/timer.h"
#include "latency/timing_stats.h"
#include "nets/network_spec.h"

namespace torchnas {

struct LayerProbe {
  BlockSpec block;
  std::vector<int64_t> input;  // [C, H, W] for a feature map, [F] for a vector; no batch
};

struct ProfileOptions {
  int64_t batch = 1;
  TimerOptions timer;
  bool fold_batch_norm = false;
  // Seeds the weights and the input, drawn under the global generator's lock (seeded_construction.h)
  // so that profiling never disturbs another session's seeded construction.
  uint64_t seed = 0;
};

struct Profile {
  TimingStats stats;
  std::string method;  // how it was timed (see TimedSamples)
};

// `keep_going` runs after each layer with the number done; returning false stops early (the
// profiles measured so far come back).
std::vector<Profile> ProfileLayers(const std::vector<LayerProbe>& probes, const ExecutionConfig& exec,
                                   const ProfileOptions& options,
                                   const std::function<bool(size_t)>& keep_going);

Profile ProfileNetwork(const NetworkSpec& spec, const ExecutionConfig& exec, const ProfileOptions& options);

}  // namespace torchnas
