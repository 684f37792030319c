#include "search/arch_trainer.h"

#include <cmath>

#include "common/error.h"
#include "ops/batch_norm_stats.h"
#include "search/weighted_draw.h"
#include "train/classification_loss.h"
#include "train/micro_batches.h"

namespace torchnas {
namespace {
torch::Tensor IndexTensor(const std::vector<int64_t>& indices, const torch::Device& device) {
  return torch::tensor(indices, torch::TensorOptions().dtype(torch::kLong).device(device));
}
}  // namespace

ArchTrainer::ArchTrainer(std::shared_ptr<SupernetImpl> net, ExecutionConfig exec, ArchSpec spec,
                         ArchParallel parallel)
    : net_(std::move(net)), exec_(exec), spec_(std::move(spec)), parallel_(std::move(parallel)) {
  const int64_t edges = net_->edges();
  if (!spec_.latency.empty()) {
    Require(static_cast<int64_t>(spec_.latency.size()) == edges,
            "the latency table has " + std::to_string(spec_.latency.size()) + " edges, the supernet " +
                std::to_string(edges));
    for (int64_t e = 0; e < edges; ++e) {
      Require(static_cast<int64_t>(spec_.latency[e].size()) == net_->candidates(e),
              "latency table edge " + std::to_string(e) + " has the wrong number of candidates");
      for (double v : spec_.latency[e]) {
        Require(std::isfinite(v) && v >= 0.0, "latency table values must be finite and >= 0");
      }
      latency_.push_back(
          torch::tensor(spec_.latency[e], torch::kFloat64).to(exec_.device, ParameterDtype(exec_)));
    }
  }
  if (spec_.loss != LatencyLoss::kNone) {
    Require(!latency_.empty(), "a latency loss needs a latency table");
    Require(spec_.target > 0.0, "the latency target must be positive");
    Require(
        spec_.loss != LatencyLoss::kMulLog || spec_.target > 1.0,
        "mul#log needs a target above 1 in the table's unit (log T must be positive): use a smaller unit");
  }
  Require(spec_.samples >= 1, "REINFORCE needs at least one sample");
  Require(spec_.baseline_decay >= 0.0 && spec_.baseline_decay <= 1.0,
          "the REINFORCE baseline decay must be in [0, 1]");
  auto options = torch::optim::AdamOptions(spec_.lr)
                     .betas({spec_.beta1, spec_.beta2})
                     .eps(spec_.eps)
                     .weight_decay(spec_.weight_decay);
  optimizer_ = std::make_unique<torch::optim::Adam>(net_->alphas(), options);
  RefreshProbabilities();
}

void ArchTrainer::RefreshProbabilities() {
  torch::NoGradGuard no_grad;
  probabilities_.clear();
  std::vector<torch::Tensor> p;
  for (const auto& a : net_->alphas()) p.push_back(torch::softmax(a.detach().to(torch::kFloat64), 0));
  torch::Tensor flat = torch::cat(p).to(torch::kCPU).contiguous();  // one transfer
  const double* data = flat.data_ptr<double>();
  for (const auto& a : net_->alphas()) {
    probabilities_.emplace_back(data, data + a.size(0));
    data += a.size(0);
  }
}

int64_t ArchTrainer::Draw(const std::vector<double>& p, SeededRandom& rng, int64_t exclude) const {
  return DrawWeighted(p, rng, exclude);
}

std::vector<EdgeChoice> ArchTrainer::SamplePath(SeededRandom& rng) const {
  std::vector<EdgeChoice> path;
  for (const auto& p : probabilities_) path.push_back(EdgeChoice{Draw(p, rng), {}});
  return path;
}

std::vector<EdgeChoice> ArchTrainer::SampleGatePath(SeededRandom& rng) const {
  std::vector<EdgeChoice> path;
  for (const auto& p : probabilities_) {
    EdgeChoice c;
    if (spec_.mode == GateMode::kTwo && p.size() > 1) {
      const int64_t first = Draw(p, rng);
      const int64_t second = Draw(p, rng, first);
      c.members = {first, second};
      c.active = rng.Uniform() * (p[first] + p[second]) < p[first] ? first : second;
    } else {
      c.active = Draw(p, rng);
      for (size_t i = 0; i < p.size(); ++i) c.members.push_back(static_cast<int64_t>(i));
    }
    path.push_back(std::move(c));
  }
  return path;
}

torch::Tensor ArchTrainer::ExpectedLatency(const std::vector<EdgeChoice>* path) const {
  const auto options = torch::TensorOptions().device(exec_.device).dtype(ParameterDtype(exec_));
  torch::Tensor total = torch::full({}, spec_.fixed_latency, options);
  for (size_t e = 0; e < latency_.size(); ++e) {
    const torch::Tensor& alpha = net_->alphas()[e];
    if (!path || (*path)[e].members.empty() ||
        static_cast<int64_t>((*path)[e].members.size()) == alpha.size(0)) {
      total = total + (torch::softmax(alpha, 0) * latency_[e]).sum();
      continue;
    }
    torch::Tensor index = IndexTensor((*path)[e].members, exec_.device);
    total =
        total + (torch::softmax(alpha.index_select(0, index), 0) * latency_[e].index_select(0, index)).sum();
  }
  return total;
}

torch::Tensor ArchTrainer::FullExpectedLatency(const std::vector<EdgeChoice>* path) const {
  const auto options = torch::TensorOptions().device(exec_.device).dtype(ParameterDtype(exec_));
  torch::Tensor total = torch::full({}, spec_.fixed_latency, options);
  for (size_t e = 0; e < latency_.size(); ++e) {
    torch::Tensor alpha = net_->alphas()[e];
    const bool subset = path && !(*path)[e].members.empty() &&
                        static_cast<int64_t>((*path)[e].members.size()) < alpha.size(0);
    if (subset) {
      // The value is the full expectation; the gradient reaches only the pair, as `two` moves only it.
      torch::Tensor member =
          torch::zeros_like(alpha).index_fill_(0, IndexTensor((*path)[e].members, exec_.device), 1.0);
      alpha = alpha * member + alpha.detach() * (1.0 - member);
    }
    total = total + (torch::softmax(alpha, 0) * latency_[e]).sum();
  }
  return total;
}

double ArchTrainer::Entropy() const {
  double sum = 0.0;
  for (const auto& p : probabilities_) {
    for (double q : p) sum -= q > 0.0 ? q * std::log(q) : 0.0;
  }
  return probabilities_.empty() ? 0.0 : sum / static_cast<double>(probabilities_.size());
}

torch::Tensor ArchTrainer::ArchLoss(const torch::Tensor& logits, const torch::Tensor& labels,
                                    const std::vector<EdgeChoice>* path) {
  const torch::Tensor ce = ClassificationLoss(logits, labels, 0.0);
  switch (spec_.loss) {
    case LatencyLoss::kNone:
      return ce;
    case LatencyLoss::kMulLog:
      return ce * spec_.mul_a *
             torch::pow(torch::log(ExpectedLatency(path)) / std::log(spec_.target), spec_.mul_b);
    case LatencyLoss::kAddLinear:
      return ce + spec_.add_lambda * (ExpectedLatency(path) - spec_.target) / spec_.target;
    case LatencyLoss::kAbsRatio:
      return ce + spec_.add_lambda * torch::abs(FullExpectedLatency(path) / spec_.target - 1.0);
  }
  return ce;
}

void ArchTrainer::SetWeightsTrainable(bool trainable) {
  for (auto& p : net_->parameters()) p.requires_grad_(trainable);
}

ArchStepStats ArchTrainer::Step(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng) {
  return spec_.method == ArchMethod::kGradient ? GradientStep(x, y, rng) : ReinforceStep(x, y, rng);
}

std::vector<std::pair<torch::Tensor, torch::Tensor>> ArchTrainer::Parts(const torch::Tensor& x,
                                                                        const torch::Tensor& y) const {
  return SplitBatch(x, y, parallel_.micro_batches);
}

std::vector<double> ArchTrainer::MeanOverRanks(std::vector<double> values) const {
  return parallel_.mean_values ? parallel_.mean_values(values) : values;
}

ArchStepStats ArchTrainer::Backward(const torch::Tensor& x, const torch::Tensor& y,
                                    const std::vector<EdgeChoice>& path, GateMode mode) {
  Require(static_cast<int64_t>(path.size()) == net_->edges(), "the path needs one choice per edge");
  // Only the logits learn here: weight gradients would be computed and thrown away.
  SetWeightsTrainable(false);
  ArchStepStats stats;
  try {
    optimizer_->zero_grad();
    const auto parts = Parts(x, y);
    const double k = static_cast<double>(parts.size());
    for (const auto& [xi, yi] : parts) {
      torch::Tensor logits;
      {
        AutocastScope autocast(exec_);
        logits = net_->forward(xi, path, mode, exec_);
      }
      // Every latency loss is linear in the cross-entropy, so the parts' mean is the batch's loss.
      torch::Tensor loss = ArchLoss(logits, yi, &path) / k;
      loss.backward();
      stats.loss += loss.item<double>();
      stats.top1 += logits.detach().argmax(1).eq(yi).to(torch::kFloat64).mean().item<double>() / k;
    }
  } catch (...) {
    SetWeightsTrainable(true);
    throw;
  }
  SetWeightsTrainable(true);
  if (spec_.drop_gradient_when_zero_active) DropGradientsWhereZeroActive(path);
  if (parallel_.mean_tensors) {
    std::vector<torch::Tensor> grads;
    for (auto& a : net_->alphas()) {
      if (!a.grad().defined()) a.mutable_grad() = torch::zeros_like(a);
      grads.push_back(a.mutable_grad());
    }
    parallel_.mean_tensors(grads);
  }
  const std::vector<double> means = MeanOverRanks({stats.loss, stats.top1});
  stats.loss = means[0];
  stats.top1 = means[1];
  return stats;
}

void ArchTrainer::DropGradientsWhereZeroActive(const std::vector<EdgeChoice>& path) {
  for (size_t e = 0; e < path.size(); ++e) {
    if (!net_->IsZero(static_cast<int64_t>(e), path[e].active)) continue;
    torch::Tensor& grad = net_->alphas()[e].mutable_grad();
    // Undefined: Adam skips the logits as the official code's None gradient does. Across ranks the
    // mean needs a tensor, so there it is zero (the decision is the same on every rank).
    if (parallel_.mean_tensors) {
      if (grad.defined()) grad.zero_();
    } else {
      grad = torch::Tensor();
    }
  }
}

ArchStepStats ArchTrainer::GradientStep(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng) {
  const std::vector<EdgeChoice> path = SampleGatePath(rng);
  std::vector<torch::Tensor> before;
  if (spec_.mode == GateMode::kTwo) {
    for (const auto& a : net_->alphas()) before.push_back(a.detach().clone());
  }
  ArchStepStats stats = Backward(x, y, path, spec_.mode);
  optimizer_->step();
  if (spec_.mode == GateMode::kTwo) KeepUnsampledProbabilities(path, before);
  RefreshProbabilities();
  return stats;
}

void ArchTrainer::KeepUnsampledProbabilities(const std::vector<EdgeChoice>& path,
                                             const std::vector<torch::Tensor>& before) {
  // The pair's gradient is zero outside it, so with Adam's default beta1 = 0 the others do not
  // move; restoring them also holds with momentum or weight decay. Shifting the pair's new logits
  // to their old log-sum-exp then keeps every unsampled probability and the pair's total.
  torch::NoGradGuard no_grad;
  for (size_t e = 0; e < path.size(); ++e) {
    if (path[e].members.size() != 2) continue;
    torch::Tensor index = IndexTensor(path[e].members, exec_.device);
    torch::Tensor& a = net_->alphas()[e];
    torch::Tensor pair = a.index_select(0, index);
    pair = pair - (torch::logsumexp(pair, 0) - torch::logsumexp(before[e].index_select(0, index), 0));
    a.copy_(before[e]);
    a.index_copy_(0, index, pair);
  }
}

double ArchTrainer::PathLatency(const std::vector<EdgeChoice>& path) const {
  double lat = spec_.fixed_latency;
  for (size_t e = 0; e < path.size(); ++e) lat += spec_.latency[e][static_cast<size_t>(path[e].active)];
  return lat;
}

ArchStepStats ArchTrainer::ReinforceStep(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng) {
  std::vector<std::vector<EdgeChoice>> paths;
  std::vector<double> accuracies;
  {
    torch::NoGradGuard no_grad;
    FreezeBatchNormStats frozen;  // sampled networks are measured, not trained
    const auto parts = Parts(x, y);
    for (int64_t k = 0; k < spec_.samples; ++k) {
      paths.push_back(SamplePath(rng));
      double acc = 0.0;
      for (const auto& [xi, yi] : parts) {
        torch::Tensor logits;
        {
          AutocastScope autocast(exec_);
          logits = net_->forward(xi, paths.back(), spec_.mode, exec_);
        }
        acc += logits.argmax(1).eq(yi).to(torch::kFloat64).mean().item<double>() /
               static_cast<double>(parts.size());
      }
      accuracies.push_back(acc);
    }
  }
  // Every rank's shard of the batch scores the same paths: the reward is the whole batch's.
  accuracies = MeanOverRanks(accuracies);
  std::vector<double> rewards;
  double mean = 0.0, top1_sum = 0.0;
  for (size_t k = 0; k < paths.size(); ++k) {
    const double reward = Reward(accuracies[k], spec_.latency.empty() ? 0.0 : PathLatency(paths[k]));
    rewards.push_back(reward);
    mean += reward / static_cast<double>(paths.size());
    top1_sum += accuracies[k];
  }
  ReinforceUpdate(paths, rewards);
  ArchStepStats stats;
  stats.loss = -mean;
  stats.top1 = top1_sum / static_cast<double>(spec_.samples);
  return stats;
}

double ArchTrainer::Reward(double accuracy, double latency) const {
  if (spec_.latency.empty() || spec_.target <= 0.0) return accuracy;
  if (spec_.loss == LatencyLoss::kAbsRatio)
    return accuracy - spec_.add_lambda * std::abs(latency / spec_.target - 1.0);
  if (spec_.reward_exponent == 0.0) return accuracy;
  return accuracy * std::pow(spec_.target / std::max(latency, 1e-12), spec_.reward_exponent);
}

void ArchTrainer::ReinforceUpdate(const std::vector<std::vector<EdgeChoice>>& paths,
                                  const std::vector<double>& rewards) {
  Require(!paths.empty() && paths.size() == rewards.size(), "REINFORCE needs one reward per sampled path");
  double mean = 0.0;
  for (double r : rewards) {
    Require(std::isfinite(r), "REINFORCE rewards must be finite");
    mean += r / static_cast<double>(rewards.size());
  }
  for (const auto& path : paths) {
    Require(static_cast<int64_t>(path.size()) == net_->edges(),
            "each sampled path needs one choice per edge");
    for (size_t e = 0; e < path.size(); ++e) {
      const int64_t j = path[e].active;
      Require(j >= 0 && j < net_->candidates(static_cast<int64_t>(e)), "a sampled choice is out of range");
    }
  }
  // The official update: the baseline moves most of the way to this batch's mean reward.
  baseline_ = has_baseline_ ? baseline_ + spec_.baseline_decay * (mean - baseline_) : mean;
  has_baseline_ = true;
  // loss = -(1/K) sum_k (R_k - b) log p(path_k); log p(path) is the sum of per-edge log-probabilities.
  const auto dtype = ParameterDtype(exec_);
  torch::Tensor loss = torch::zeros({}, torch::TensorOptions().device(exec_.device).dtype(dtype));
  std::vector<double> advantage;
  for (double r : rewards) advantage.push_back(r - baseline_);
  torch::Tensor adv = torch::tensor(advantage, torch::kFloat64).to(exec_.device, dtype);
  for (size_t e = 0; e < paths[0].size(); ++e) {
    torch::Tensor log_p = torch::log_softmax(net_->alphas()[e], 0);
    std::vector<int64_t> chosen;
    for (const auto& path : paths) chosen.push_back(path[e].active);
    torch::Tensor index = IndexTensor(chosen, exec_.device);
    loss = loss - (log_p.index_select(0, index) * adv).sum() / static_cast<double>(paths.size());
  }
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();
  RefreshProbabilities();
}

void ArchTrainer::Save(torch::serialize::OutputArchive& archive) {
  for (size_t e = 0; e < net_->alphas().size(); ++e)
    archive.write("alpha" + std::to_string(e), net_->alphas()[e].detach());
  torch::serialize::OutputArchive optimizer_archive;
  optimizer_->save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("baseline", torch::tensor({baseline_, has_baseline_ ? 1.0 : 0.0}, torch::kFloat64));
}

void ArchTrainer::Load(torch::serialize::InputArchive& archive) {
  torch::NoGradGuard no_grad;
  for (size_t e = 0; e < net_->alphas().size(); ++e) {
    torch::Tensor a;
    archive.read("alpha" + std::to_string(e), a);
    net_->alphas()[e].copy_(a);
  }
  torch::serialize::InputArchive optimizer_archive;
  archive.read("optimizer", optimizer_archive);
  optimizer_->load(optimizer_archive);
  torch::Tensor b;
  archive.read("baseline", b);
  baseline_ = b[0].item<double>();
  has_baseline_ = b[1].item<double>() != 0.0;
  RefreshProbabilities();
}

}  // namespace torchnas
