// Optimizers and the learning-rate schedule of a training run.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>

namespace torchnas {

enum class OptimizerKind { kSgd, kAdam, kAdamW };

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kSgd;
  double lr = 0.1;
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-5;
  double beta1 = 0.9;
  double beta2 = 0.999;
};

OptimizerKind ParseOptimizerKind(const std::string& name);

// Two parameter groups: weight decay on conv/linear weights, none on BN parameters and biases
// (every parameter of dimension <= 1).
std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(torch::nn::Module& model, const OptimizerSpec& spec);

// Linear warm-up from lr/warmup to lr over `warmup_steps`, then cosine decay to `final_lr_ratio * lr`
// at `total_steps`.
struct ScheduleSpec {
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double final_lr_ratio = 0.0;
  // When > 0, the cosine restarts here: [warmup, restart) and [restart, total) are two cosine cycles
  // (a supernet's warm-up phase and its search phase, each with a schedule of its own).
  int64_t restart_step = 0;
};

double LearningRateAt(const OptimizerSpec& optimizer, const ScheduleSpec& schedule, int64_t step);
void SetLearningRate(torch::optim::Optimizer& optimizer, double lr);
// Drops every gradient (sets it undefined), so optimizers skip parameters a step did not touch:
// zeroed gradients would still move them through momentum and weight decay.
void ClearGradients(torch::optim::Optimizer& optimizer);

}  // namespace torchnas
