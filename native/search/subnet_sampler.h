// Host-side subnet sampling for one-shot supernet training, from a seeded generator (no device
// syncs): uniform draws, the largest and smallest subnets, and AttentiveNAS's draws near a MACs
// target. The MACs prior is given as a pool of subnets per MACs bin, drawn uniformly by TypeScript
// (where the cost model lives) with each bin's weight its share of the uniform draws.
#pragma once
#include <string>
#include <vector>

#include "data/seeded_random.h"
#include "spaces/elastic_net.h"

namespace torchnas {

// kShiftNas: the middle subnets come from ShiftNAS's generator (train/elastic_shiftnas.cc).
enum class SamplerRule { kUniform, kSandwich, kBestUp, kWorstUp, kShiftNas };
SamplerRule ParseSamplerRule(const std::string& name);

struct SamplerSpec {
  SamplerRule rule = SamplerRule::kSandwich;
  int64_t middle = 2;      // subnets between the largest and the smallest (sandwich, bestup, worstup)
  int64_t candidates = 3;  // k of bestup-k / worstup-k
  bool distill = true;     // the largest subnet's soft labels teach the others
  double temperature = 1.0;
  double clip = 0.0;        // gradient clipping; 0: none
  bool clip_value = false;  // clip each entry to [-clip, clip] (AttentiveNAS's reference) instead of the norm
  std::vector<std::vector<ElasticChoice>> pool;  // subnets per MACs bin
  std::vector<double> bin_weights;               // the prior over bins
};

class SubnetSampler {
 public:
  explicit SubnetSampler(const ElasticSpec& space) : space_(space) {}
  // Every decision uniform and independent: resolution, then per stage depth, width, and each
  // block's kernel and expand ratio.
  ElasticChoice Uniform(SeededRandom& rng) const;
  // A bin from the prior, then `count` subnets drawn uniformly from it (the candidates near a target).
  std::vector<ElasticChoice> NearTarget(SeededRandom& rng, const SamplerSpec& spec, int64_t count) const;

 private:
  const ElasticSpec& space_;
};

}  // namespace torchnas
