// Summary statistics of repeated timings, in milliseconds.
#pragma once
#include <cstdint>
#include <vector>

namespace torchnas {

struct TimingStats {
  int64_t count = 0;
  double mean = 0.0;
  double median = 0.0;
  double variance = 0.0;  // sample variance (n - 1)
  double p10 = 0.0;
  double p90 = 0.0;
  double iqr = 0.0;  // p75 - p25
  double min = 0.0;
  double max = 0.0;
};

// Percentiles interpolate linearly between order statistics (numpy's default), so the figures agree
// with what a Python user computes from the same samples.
TimingStats Summarize(std::vector<double> samples_ms);

}  // namespace torchnas
