#include "train/optimizer.h"

#include <cmath>

#include "common/error.h"

namespace torchnas {

OptimizerKind ParseOptimizerKind(const std::string& name) {
  if (name == "sgd") return OptimizerKind::kSgd;
  if (name == "adam") return OptimizerKind::kAdam;
  if (name == "adamw") return OptimizerKind::kAdamW;
  Fail(codes::kInvalidArgument, "unknown optimizer '" + name + "': use sgd, adam or adamw");
}

namespace {

// One optimizer over two groups that differ only in weight decay.
template <typename OptimizerT, typename OptionsT>
std::unique_ptr<torch::optim::Optimizer> TwoGroups(const OptionsT& base, double weight_decay,
                                                   std::vector<torch::Tensor> decay,
                                                   std::vector<torch::Tensor> no_decay) {
  auto with_decay = std::make_unique<OptionsT>(base);
  with_decay->weight_decay(weight_decay);
  auto without = std::make_unique<OptionsT>(base);
  without->weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::move(decay), std::move(with_decay));
  groups.emplace_back(std::move(no_decay), std::move(without));
  return std::make_unique<OptimizerT>(std::move(groups), base);
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(torch::nn::Module& model, const OptimizerSpec& spec) {
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model.parameters()) (p.dim() <= 1 ? no_decay : decay).push_back(p);
  switch (spec.kind) {
    case OptimizerKind::kSgd:
      return TwoGroups<torch::optim::SGD>(
          torch::optim::SGDOptions(spec.lr).momentum(spec.momentum).nesterov(spec.nesterov),
          spec.weight_decay, decay, no_decay);
    case OptimizerKind::kAdam:
      return TwoGroups<torch::optim::Adam>(torch::optim::AdamOptions(spec.lr).betas({spec.beta1, spec.beta2}),
                                           spec.weight_decay, decay, no_decay);
    case OptimizerKind::kAdamW:
      return TwoGroups<torch::optim::AdamW>(
          torch::optim::AdamWOptions(spec.lr).betas({spec.beta1, spec.beta2}), spec.weight_decay, decay,
          no_decay);
  }
  Fail(codes::kInvalidArgument, "unsupported optimizer");
}

double LearningRateAt(const OptimizerSpec& optimizer, const ScheduleSpec& schedule, int64_t step) {
  if (schedule.warmup_steps > 0 && step < schedule.warmup_steps) {
    return optimizer.lr * static_cast<double>(step + 1) / static_cast<double>(schedule.warmup_steps);
  }
  int64_t begin = schedule.warmup_steps, end = schedule.total_steps;
  if (schedule.restart_step > 0) {
    if (step < schedule.restart_step)
      end = schedule.restart_step;
    else
      begin = schedule.restart_step;
  }
  const double span = static_cast<double>(std::max<int64_t>(1, end - begin));
  const double t = std::min(1.0, static_cast<double>(step - begin) / span);
  const double floor = optimizer.lr * schedule.final_lr_ratio;
  return floor + (optimizer.lr - floor) * 0.5 * (1.0 + std::cos(M_PI * t));
}

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

void ClearGradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
  }
}

}  // namespace torchnas
