// One index drawn with probability proportional to its weight, from the seeded host generator (one
// uniform draw): architecture paths, and AttentiveNAS's MACs bins.
#pragma once
#include <cstdint>
#include <vector>

#include "data/seeded_random.h"

namespace torchnas {

// `exclude` (an index, or -1) is never drawn; its weight does not count.
int64_t DrawWeighted(const std::vector<double>& weights, SeededRandom& rng, int64_t exclude = -1);

}  // namespace torchnas
