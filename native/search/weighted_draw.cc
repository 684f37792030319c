#include "search/weighted_draw.h"

namespace torchnas {

int64_t DrawWeighted(const std::vector<double>& weights, SeededRandom& rng, int64_t exclude) {
  double total = 0.0;
  for (size_t i = 0; i < weights.size(); ++i) total += static_cast<int64_t>(i) == exclude ? 0.0 : weights[i];
  double u = rng.Uniform() * total;
  int64_t last = -1;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (static_cast<int64_t>(i) == exclude) continue;
    last = static_cast<int64_t>(i);
    if ((u -= weights[i]) < 0.0) return last;
  }
  return last;  // rounding at the top end
}

}  // namespace torchnas
