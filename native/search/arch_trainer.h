// Trains a supernet's architecture logits (ProxylessNAS): samples paths with a seeded host RNG,
// runs gradient architecture steps through the binarized gate (full / two / full_v2) or REINFORCE
// steps, and adds the hardware-aware loss on the expected latency, which stays differentiable in the
// logits: E[LAT] = fixed + sum over edges of sum_i q_i * LUT_i, with q the gate's distribution (the
// softmax over all candidates, or in `two` mode over the sampled pair, zero elsewhere). The two-sided
// loss (abs#ratio) is on the full softmax in every mode, so that its sign says which side of the
// target the whole distribution lies; in `two` mode only the pair's logits get its gradient.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>

#include "data/seeded_random.h"
#include "spaces/supernet.h"

namespace torchnas {

enum class LatencyLoss { kNone, kMulLog, kAddLinear, kAbsRatio };
enum class ArchMethod { kGradient, kReinforce };

struct ArchSpec {
  ArchMethod method = ArchMethod::kGradient;
  GateMode mode = GateMode::kFullV2;
  double lr = 6e-3;
  double beta1 = 0.0;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  // Latency table: per edge, per candidate; plus what the fixed layers cost. Units are the table's.
  std::vector<std::vector<double>> latency;
  double fixed_latency = 0.0;
  LatencyLoss loss = LatencyLoss::kNone;
  double target = 0.0;
  double mul_a = 0.2;  // mul#log: CE * a * (log E[LAT] / log T)^b
  double mul_b = 0.3;
  // add#linear: CE + lambda * (E[LAT] - T) / T; abs#ratio: CE + lambda * |E[LAT] / T - 1|.
  double add_lambda = 0.1;
  // The official code drops an edge's whole architecture gradient (latency term included) while its
  // Zero candidate is active; by default torchnas keeps it (README, ProxylessNAS choices).
  bool drop_gradient_when_zero_active = false;
  // REINFORCE: K sampled networks; reward acc * (T / LAT)^w (the reference's, with mul#log or
  // add#linear) or, with abs#ratio, TuNAS's absolute reward acc - lambda * |LAT / T - 1|. The
  // baseline follows the batch mean reward as the official code's: b += decay * (mean - b).
  int64_t samples = 8;
  double reward_exponent = 0.07;
  double baseline_decay = 0.99;
};

// How a step's batch is spread: over micro-batches in this process and over data-parallel ranks
// (means across ranks; identity in one process).
struct ArchParallel {
  int64_t micro_batches = 1;
  std::function<void(const std::vector<torch::Tensor>&)> mean_tensors;
  std::function<std::vector<double>(const std::vector<double>&)> mean_values;
};

struct ArchStepStats {
  double loss = 0.0;
  double top1 = 0.0;  // of the sampled path(s) on the validation batch
};

class ArchTrainer {
 public:
  ArchTrainer(std::shared_ptr<SupernetImpl> net, ExecutionConfig exec, ArchSpec spec,
              ArchParallel parallel = {});

  // One path for a weight step: one active candidate per edge, drawn from softmax(alpha).
  std::vector<EdgeChoice> SamplePath(SeededRandom& rng) const;
  // One path for a gradient architecture step: the active candidate and the gate's members (all
  // candidates, or in `two` mode a pair drawn without replacement, the active one of it in
  // proportion to the pair's probabilities).
  std::vector<EdgeChoice> SampleGatePath(SeededRandom& rng) const;
  ArchStepStats Step(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng);

  // The core of a gradient architecture step, without the update: forward through the gates of
  // `path`, the architecture loss, backward into the logits' gradients (weights get none).
  ArchStepStats Backward(const torch::Tensor& x, const torch::Tensor& y, const std::vector<EdgeChoice>& path,
                         GateMode mode);
  // The REINFORCE update for sampled paths and their rewards (the step's second half; callers may
  // bring rewards of their own, such as latency measured on a device).
  void ReinforceUpdate(const std::vector<std::vector<EdgeChoice>>& paths, const std::vector<double>& rewards);

  // Differentiable in the logits; over each edge's gate members when `path` is given, else over all.
  torch::Tensor ExpectedLatency(const std::vector<EdgeChoice>* path = nullptr) const;
  // Over all candidates of every edge; with `path`, only the gate members' logits carry gradient.
  torch::Tensor FullExpectedLatency(const std::vector<EdgeChoice>* path) const;
  // A sampled network's reward from its accuracy and its table latency.
  double Reward(double accuracy, double latency) const;
  // The architecture loss: plain cross-entropy (no label smoothing, as the reference) combined with
  // the configured latency loss.
  torch::Tensor ArchLoss(const torch::Tensor& logits, const torch::Tensor& labels,
                         const std::vector<EdgeChoice>* path);
  double Entropy() const;  // mean per-edge entropy of softmax(alpha), in nats
  const std::vector<std::vector<double>>& probabilities() const { return probabilities_; }
  double baseline() const { return baseline_; }

  void RefreshProbabilities();
  void Save(torch::serialize::OutputArchive& archive);
  void Load(torch::serialize::InputArchive& archive);

 private:
  ArchStepStats GradientStep(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng);
  ArchStepStats ReinforceStep(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng);
  double PathLatency(const std::vector<EdgeChoice>& path) const;
  void DropGradientsWhereZeroActive(const std::vector<EdgeChoice>& path);
  // `two` mode: the unsampled candidates keep their logits, and the pair keeps its log-sum-exp.
  void KeepUnsampledProbabilities(const std::vector<EdgeChoice>& path,
                                  const std::vector<torch::Tensor>& before);
  int64_t Draw(const std::vector<double>& p, SeededRandom& rng, int64_t exclude = -1) const;
  void SetWeightsTrainable(bool trainable);

  std::vector<std::pair<torch::Tensor, torch::Tensor>> Parts(const torch::Tensor& x,
                                                             const torch::Tensor& y) const;
  std::vector<double> MeanOverRanks(std::vector<double> values) const;

  std::shared_ptr<SupernetImpl> net_;
  ExecutionConfig exec_;
  ArchSpec spec_;
  ArchParallel parallel_;
  std::vector<torch::Tensor> latency_;  // per edge, on the device
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::vector<std::vector<double>> probabilities_;  // host mirror: sampling needs no device sync
  double baseline_ = 0.0;
  bool has_baseline_ = false;
};

}  // namespace torchnas
