// ShiftNAS's architecture generator: an LSTM (hidden size 64 in the paper) conditioned on a target
// complexity that emits one choice per decision of an elastic space (spaces/elastic_decisions.h),
// each as a Gumbel-softmax sample fed back as the next step's input. Hard samples are one-hot in
// the forward pass with the relaxed sample's gradient (straight-through), so a task loss computed
// through the masked supernet reaches the generator by the chain rule.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "data/seeded_random.h"
#include "spaces/elastic_decisions.h"

namespace torchnas {

class ArchGeneratorImpl : public torch::nn::Module {
 public:
  ArchGeneratorImpl(std::vector<int64_t> sizes, int64_t hidden);
  // `targets` [B] scaled to [0, 1] over the space's cost range. `noise`: Gumbel noise per decision
  // ([B, choices] each), or empty for the deterministic argmax (no gradient). With noise, rows are
  // softmax((logits + noise) / temperature), made one-hot straight-through when `hard`.
  Decisions forward(const torch::Tensor& targets, const Decisions& noise, double temperature, bool hard);
  // Gumbel(0, 1) noise for a batch of `rows`, from the seeded host generator (exact resume).
  Decisions Noise(int64_t rows, SeededRandom& rng, const torch::TensorOptions& options) const;

  const std::vector<int64_t>& sizes() const { return sizes_; }

 private:
  std::vector<int64_t> sizes_;
  torch::nn::Linear condition_{nullptr};
  torch::nn::LSTMCell cell_{nullptr};
  torch::nn::ModuleList heads_{nullptr}, embeddings_{nullptr};
};
TORCH_MODULE(ArchGenerator);

}  // namespace torchnas
