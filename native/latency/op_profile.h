// Where a stretch of native work spends its time, per operator (LibTorch's profiler, CPU side):
// started and stopped on the thread that runs the work (a session's worker), so only that work is
// counted; autograd's backward runs on the same thread on a CPU, and intra-op threads sit inside the
// calling op's time.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace torchnas {

struct OpTime {
  std::string name;
  int64_t calls = 0;
  double self_ms = 0.0;   // inside the op, less the ops it called
  double total_ms = 0.0;  // inside the op, with the ops it called
};

struct OpProfile {
  double seconds = 0.0;     // wall time from start to stop
  std::vector<OpTime> ops;  // by self time, largest first
};

void StartOpProfile();
OpProfile StopOpProfile();

}  // namespace torchnas
