#include "latency/op_profile.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "common/error.h"

#if __has_include(<torch/csrc/autograd/profiler_legacy.h>)
#include <torch/csrc/autograd/profiler_legacy.h>
#define TORCHNAS_HAS_LEGACY_PROFILER 1
#endif

namespace torchnas {
namespace {
thread_local std::chrono::steady_clock::time_point started;
thread_local bool running = false;

#ifdef TORCHNAS_HAS_LEGACY_PROFILER
namespace profiler = torch::autograd::profiler;

struct OpenRange {
  std::string name;
  double start_us;
  double child_us;
};

// Self time is an op's time less that of the ranges opened inside it on the same thread.
void Accumulate(const std::vector<profiler::LegacyEvent>& events, std::map<std::string, OpTime>& by_name) {
  std::vector<OpenRange> open;
  for (const auto& e : events) {
    if (e.kind() == profiler::EventKind::PushRange) {
      open.push_back({e.name(), e.cpuUs(), 0.0});
    } else if (e.kind() == profiler::EventKind::PopRange && !open.empty()) {
      const OpenRange range = open.back();
      open.pop_back();
      const double us = e.cpuUs() - range.start_us;
      OpTime& op = by_name[range.name];
      op.name = range.name;
      ++op.calls;
      op.total_ms += us / 1e3;
      op.self_ms += (us - range.child_us) / 1e3;
      if (!open.empty()) open.back().child_us += us;
    }
  }
}
#endif
}  // namespace

void StartOpProfile() {
#ifdef TORCHNAS_HAS_LEGACY_PROFILER
  if (running)
    Fail(codes::kState, "an operator profile is already running on this session: call stopProfile first");
  profiler::enableProfilerLegacy(
      torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
  running = true;
  started = std::chrono::steady_clock::now();
#else
  Fail(codes::kInvalidArgument,
       "this LibTorch build has no legacy profiler: operator profiles are unavailable");
#endif
}

OpProfile StopOpProfile() {
  if (!running)
    Fail(codes::kState, "no operator profile is running on this session: call startProfile first");
  OpProfile out;
#ifdef TORCHNAS_HAS_LEGACY_PROFILER
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  running = false;
  std::map<std::string, OpTime> by_name;
  for (const auto& events : profiler::disableProfilerLegacy()) Accumulate(events, by_name);
  for (auto& [name, op] : by_name) out.ops.push_back(std::move(op));
  std::sort(out.ops.begin(), out.ops.end(),
            [](const OpTime& a, const OpTime& b) { return a.self_ms > b.self_ms; });
#endif
  return out;
}

}  // namespace torchnas
