#include "latency/timing_stats.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace torchnas {
namespace {

double Percentile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

}  // namespace

TimingStats Summarize(std::vector<double> samples_ms) {
  Require(!samples_ms.empty(), "no timing samples: repeats must be at least 1");
  std::sort(samples_ms.begin(), samples_ms.end());
  TimingStats s;
  s.count = static_cast<int64_t>(samples_ms.size());
  double sum = 0.0;
  for (double v : samples_ms) sum += v;
  s.mean = sum / static_cast<double>(s.count);
  double squares = 0.0;
  for (double v : samples_ms) squares += (v - s.mean) * (v - s.mean);
  s.variance = s.count > 1 ? squares / static_cast<double>(s.count - 1) : 0.0;
  s.median = Percentile(samples_ms, 0.5);
  s.p10 = Percentile(samples_ms, 0.1);
  s.p90 = Percentile(samples_ms, 0.9);
  s.iqr = Percentile(samples_ms, 0.75) - Percentile(samples_ms, 0.25);
  s.min = samples_ms.front();
  s.max = samples_ms.back();
  return s;
}

}  // namespace torchnas
