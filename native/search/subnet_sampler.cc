#include "search/subnet_sampler.h"

#include "common/error.h"
#include "search/sampler_seed.h"
#include "search/weighted_draw.h"

namespace torchnas {
namespace {

int64_t Pick(const std::vector<int64_t>& values, SeededRandom& rng) {
  return values[rng.Below(values.size())];
}

}  // namespace

uint64_t SupernetEpochSeed(uint64_t session_seed, int64_t epoch) {
  return DeriveSeed(session_seed ^ 0x0e1a57, static_cast<uint64_t>(epoch));
}

SamplerRule ParseSamplerRule(const std::string& name) {
  if (name == "uniform") return SamplerRule::kUniform;
  if (name == "sandwich") return SamplerRule::kSandwich;
  if (name == "bestup") return SamplerRule::kBestUp;
  if (name == "worstup") return SamplerRule::kWorstUp;
  if (name == "shiftnas") return SamplerRule::kShiftNas;
  Fail(codes::kInvalidArgument,
       "unknown sampler '" + name + "': use uniform, sandwich, bestup, worstup or shiftnas");
}

ElasticChoice SubnetSampler::Uniform(SeededRandom& rng) const {
  ElasticChoice c;
  c.resolution = Pick(space_.resolutions, rng);
  for (const auto& st : space_.stages) {
    ElasticStageChoice s;
    const int64_t depth = Pick(st.depths, rng);
    s.width = Pick(st.widths, rng);
    for (int64_t b = 0; b < depth; ++b) {
      s.kernels.push_back(Pick(st.kernels, rng));
      s.expands.push_back(Pick(st.expands, rng));
    }
    c.stages.push_back(std::move(s));
  }
  return c;
}

std::vector<ElasticChoice> SubnetSampler::NearTarget(SeededRandom& rng, const SamplerSpec& spec,
                                                     int64_t count) const {
  Require(!spec.pool.empty() && spec.pool.size() == spec.bin_weights.size(),
          "attentive sampling needs a subnet pool with one weight per MACs bin");
  const auto bin = static_cast<size_t>(DrawWeighted(spec.bin_weights, rng));
  const auto& members = spec.pool[bin];
  Require(!members.empty(),
          "MACs bin " + std::to_string(bin) + " of the subnet pool is empty but has weight");
  std::vector<ElasticChoice> out;
  for (int64_t i = 0; i < count; ++i) out.push_back(members[rng.Below(members.size())]);
  return out;
}

}  // namespace torchnas
