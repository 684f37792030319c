// ShiftNAS (Zhang et al., ICCV 2023) state beside an elastic supernet: the space's cost range cut
// into K bins with learnable logits beta (sampling probabilities B = softmax(beta)), the architecture
// generator that proposes a subnet for a target cost, the cost model, and their optimizers (Adam).
// The session's training step (train/elastic_shiftnas.cc) draws a bin from B, a target in it, trains
// the generator's subnet through the masked supernet, and periodically moves beta.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "data/batch_loader.h"
#include "search/arch_generator.h"
#include "search/cost_model.h"

namespace torchnas {

struct ShiftNasSpec {
  std::vector<double> edges;  // K + 1 increasing bin edges of the cost
  CostTerms cost;
  int64_t hidden = 64;
  double resource_weight = 1.0;  // lambda of the resource loss
  // Extra targets drawn from B each step whose samples enter the resource loss alone (no supernet pass):
  // one or two generated subnets a step give the generator too noisy a view of its constraint.
  int64_t resource_batch = 32;
  double generator_lr = 1e-3;
  double temperature = 1.0;  // of the Gumbel-softmax
  double beta_lr = 0.05;
  int64_t shift_start = 0;   // the global step from which beta is learnt (B uniform before)
  int64_t shift_every = 20;  // optimizer steps between two updates of beta
  double fd_epsilon = 0.01;  // the finite difference's step, divided by the gradient's norm
};

// What the run reports and plots.
struct ShiftNasStatus {
  std::vector<double> probabilities, beta;
  std::vector<double> estimate;  // the last estimate of dL_valid / dB
  int64_t updates = 0;
  double constraint_error = 0.0;  // mean |cost - target| / target of the generator's training samples
  int64_t samples = 0;            // ... since the last status
};

class ShiftNas {
 public:
  ShiftNas(const ElasticSpec& space, ShiftNasSpec spec, const torch::TensorOptions& options);

  const ShiftNasSpec& spec() const { return spec_; }
  int64_t bins() const { return static_cast<int64_t>(spec_.edges.size()) - 1; }
  std::vector<double> Probabilities() const;
  double Centre(int64_t bin) const;
  // A bin drawn from B, then a target uniform within it.
  double DrawTarget(SeededRandom& rng) const;
  // Targets in cost units as the generator's input, scaled to [0, 1] over the edges.
  torch::Tensor Scaled(const torch::Tensor& targets) const;
  torch::Tensor Targets(const std::vector<double>& costs) const;
  Decisions Sample(const torch::Tensor& targets, SeededRandom& rng, bool hard);
  Decisions Argmax(const torch::Tensor& targets);
  torch::Tensor Cost(const Decisions& y) const { return cost_(y); }
  // lambda * mean(((cost - C) / C)^2): the paper's (cost - C)^2, made scale-free.
  torch::Tensor ResourceLoss(const torch::Tensor& cost, const torch::Tensor& targets, double weight) const;
  void RecordSample(double cost, double target);
  // An Adam step on the generator's parameters from their gradients, which are then cleared.
  void GeneratorStep();
  // An Adam step on beta with dL/dB given (the softmax's Jacobian applied here).
  void ShiftStep(const std::vector<double>& gradient_wrt_probabilities);
  ShiftNasStatus TakeStatus();

  void Save(torch::serialize::OutputArchive& archive) const;
  void Load(torch::serialize::InputArchive& archive);

  ArchGenerator generator{nullptr};
  // The held-out batches beta's update reads, and the draws of the extra resource-loss samples, both
  // restarted each epoch from the epoch's seed (exact resume).
  std::unique_ptr<BatchLoader> valid_batches;
  SeededRandom resource_rng{0};

 private:
  ShiftNasSpec spec_;
  torch::TensorOptions options_;
  CostModel cost_;
  torch::Tensor beta_;
  std::unique_ptr<torch::optim::Adam> generator_optimizer_, beta_optimizer_;
  std::vector<double> estimate_;
  int64_t updates_ = 0;
  double error_sum_ = 0.0;
  int64_t samples_ = 0;
};

}  // namespace torchnas
