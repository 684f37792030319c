// The seed of a supernet training epoch's subnet draws: the training step and the inspection of its
// draws (sampleSubnets with an epoch) derive it the same way, so a bench can replay the sequence.
#pragma once
#include <cstdint>

namespace torchnas {

uint64_t SupernetEpochSeed(uint64_t session_seed, int64_t epoch);

}  // namespace torchnas
