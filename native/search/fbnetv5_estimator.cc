#include "search/fbnetv5_estimator.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace torchnas {

std::vector<double> ProposalOf(const std::vector<std::vector<double>>& keep_probabilities, double floor) {
  Require(!keep_probabilities.empty(), "a proposal needs at least one task");
  Require(floor >= 0.0 && floor < 0.5, "the proposal floor must be in [0, 0.5)");
  const size_t blocks = keep_probabilities[0].size();
  std::vector<double> q(blocks, 0.0);
  for (const auto& p : keep_probabilities) {
    Require(p.size() == blocks, "every task needs one keep-probability per block");
    for (size_t b = 0; b < blocks; ++b) q[b] += p[b] / static_cast<double>(keep_probabilities.size());
  }
  for (double& v : q) v = std::clamp(v, floor, 1.0 - floor);
  return q;
}

double LogImportanceWeight(const std::vector<double>& p, const std::vector<double>& q, const Mask& mask) {
  Require(p.size() == q.size() && q.size() == mask.size(),
          "keep-probabilities, proposal and mask differ in length");
  double log_w = 0.0;
  for (size_t b = 0; b < mask.size(); ++b) {
    const double pb = mask[b] ? p[b] : 1.0 - p[b];
    const double qb = mask[b] ? q[b] : 1.0 - q[b];
    if (pb <= 0.0) return -INFINITY;  // the task never draws this mask
    Require(qb > 0.0, "the proposal drew a mask it gives probability 0");
    log_w += std::log(pb) - std::log(qb);
  }
  return log_w;
}

std::vector<double> ReinforceGradient(const std::vector<double>& p, const Mask& mask, double advantage,
                                      double weight) {
  Require(p.size() == mask.size(), "keep-probabilities and mask differ in length");
  std::vector<double> g(p.size());
  for (size_t b = 0; b < p.size(); ++b) g[b] = weight * advantage * ((mask[b] ? 1.0 : 0.0) - p[b]);
  return g;
}

}  // namespace torchnas
