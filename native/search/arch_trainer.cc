#include "search/arch_trainer.h"

#include <cmath>

#include "common/error.h"
#include "ops/batch_norm_stats.h"
#include "train/classification_loss.h"

namespace torchnas {

void ClearGradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
  }
}

ArchTrainer::ArchTrainer(std::shared_ptr<SupernetImpl> net, ExecutionConfig exec, ArchSpec spec)
    : net_(std::move(net)), exec_(exec), spec_(std::move(spec)) {
  const int64_t edges = net_->edges();
  if (!spec_.latency.empty()) {
    Require(static_cast<int64_t>(spec_.latency.size()) == edges,
            "the latency table has " + std::to_string(spec_.latency.size()) + " edges, the supernet " + std::to_string(edges));
    for (int64_t e = 0; e < edges; ++e) {
      Require(static_cast<int64_t>(spec_.latency[e].size()) == net_->candidates(e),
              "latency table edge " + std::to_string(e) + " has the wrong number of candidates");
      latency_.push_back(torch::tensor(spec_.latency[e], torch::kFloat64).to(torch::kFloat32).to(exec_.device));
    }
  }
  if (spec_.loss != LatencyLoss::kNone) {
    Require(!latency_.empty(), "a latency loss needs a latency table");
    Require(spec_.target > 0.0, "the latency target must be positive");
    Require(spec_.loss != LatencyLoss::kMulLog || spec_.target > 1.0,
            "mul#log needs a target above 1 in the table's unit (log T must be positive): use a smaller unit");
  }
  Require(spec_.samples >= 1, "REINFORCE needs at least one sample");
  auto options = torch::optim::AdamOptions(spec_.lr).betas({spec_.beta1, spec_.beta2}).eps(spec_.eps).weight_decay(spec_.weight_decay);
  optimizer_ = std::make_unique<torch::optim::Adam>(net_->alphas(), options);
  RefreshProbabilities();
}

void ArchTrainer::RefreshProbabilities() {
  torch::NoGradGuard no_grad;
  probabilities_.clear();
  std::vector<torch::Tensor> p;
  for (const auto& a : net_->alphas()) p.push_back(torch::softmax(a.detach(), 0));
  torch::Tensor flat = torch::cat(p).to(torch::kCPU, torch::kFloat64).contiguous();  // one transfer
  const double* data = flat.data_ptr<double>();
  for (const auto& a : net_->alphas()) {
    probabilities_.emplace_back(data, data + a.size(0));
    data += a.size(0);
  }
}

int64_t ArchTrainer::Draw(const std::vector<double>& p, SeededRandom& rng, int64_t exclude) const {
  double total = 0.0;
  for (size_t i = 0; i < p.size(); ++i) total += static_cast<int64_t>(i) == exclude ? 0.0 : p[i];
  double u = rng.Uniform() * total;
  int64_t last = -1;
  for (size_t i = 0; i < p.size(); ++i) {
    if (static_cast<int64_t>(i) == exclude) continue;
    last = static_cast<int64_t>(i);
    if ((u -= p[i]) < 0.0) return last;
  }
  return last;  // rounding at the top end
}

std::vector<EdgeChoice> ArchTrainer::SamplePath(SeededRandom& rng) const {
  std::vector<EdgeChoice> path;
  for (const auto& p : probabilities_) path.push_back(EdgeChoice{Draw(p, rng), {}});
  return path;
}

torch::Tensor ArchTrainer::ExpectedLatency() const {
  torch::Tensor total = torch::full({}, spec_.fixed_latency, torch::TensorOptions().device(exec_.device));
  for (size_t e = 0; e < latency_.size(); ++e) total = total + (torch::softmax(net_->alphas()[e], 0) * latency_[e]).sum();
  return total;
}

double ArchTrainer::Entropy() const {
  double sum = 0.0;
  for (const auto& p : probabilities_) {
    for (double q : p) sum -= q > 0.0 ? q * std::log(q) : 0.0;
  }
  return probabilities_.empty() ? 0.0 : sum / static_cast<double>(probabilities_.size());
}

torch::Tensor ArchTrainer::LatencyAwareLoss(const torch::Tensor& ce) {
  switch (spec_.loss) {
    case LatencyLoss::kNone: return ce;
    case LatencyLoss::kMulLog:
      return ce * spec_.mul_a * torch::pow(torch::log(ExpectedLatency()) / std::log(spec_.target), spec_.mul_b);
    case LatencyLoss::kAddLinear:
      return ce + spec_.add_lambda * (ExpectedLatency() - spec_.target) / spec_.target;
  }
  return ce;
}

void ArchTrainer::SetWeightsTrainable(bool trainable) {
  for (auto& p : net_->parameters()) p.requires_grad_(trainable);
}

ArchStepStats ArchTrainer::Step(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng, double label_smoothing) {
  return spec_.method == ArchMethod::kGradient ? GradientStep(x, y, rng, label_smoothing) : ReinforceStep(x, y, rng);
}

ArchStepStats ArchTrainer::GradientStep(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng,
                                        double label_smoothing) {
  std::vector<EdgeChoice> path;
  for (const auto& p : probabilities_) {
    EdgeChoice c;
    if (spec_.mode == GateMode::kTwo && p.size() > 1) {
      const int64_t first = Draw(p, rng);
      const int64_t second = Draw(p, rng, first);
      c.members = {first, second};
      // The active one of the pair, in proportion to the pair's probabilities.
      c.active = rng.Uniform() * (p[first] + p[second]) < p[first] ? first : second;
    } else {
      c.active = Draw(p, rng);
      for (size_t i = 0; i < p.size(); ++i) c.members.push_back(static_cast<int64_t>(i));
    }
    path.push_back(std::move(c));
  }
  std::vector<torch::Tensor> before;
  if (spec_.mode == GateMode::kTwo) {
    for (const auto& a : net_->alphas()) before.push_back(a.detach().clone());
  }
  // Only the logits learn here: weight gradients would be computed and thrown away.
  SetWeightsTrainable(false);
  ArchStepStats stats;
  try {
    torch::Tensor logits;
    {
      AutocastScope autocast(exec_);
      logits = net_->forward(x, path, spec_.mode, exec_);
    }
    torch::Tensor ce = ClassificationLoss(logits, y, label_smoothing);
    torch::Tensor loss = LatencyAwareLoss(ce);
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();
    stats.loss = loss.item<double>();
    stats.top1 = logits.detach().argmax(1).eq(y).to(torch::kFloat64).mean().item<double>();
  } catch (...) {
    SetWeightsTrainable(true);
    throw;
  }
  SetWeightsTrainable(true);
  if (spec_.mode == GateMode::kTwo) {
    // Keep the unsampled candidates' probabilities: shift the pair's updated logits so their
    // log-sum-exp is what it was before the step.
    torch::NoGradGuard no_grad;
    for (size_t e = 0; e < path.size(); ++e) {
      if (path[e].members.size() != 2) continue;
      torch::Tensor index = torch::tensor(path[e].members, torch::TensorOptions().dtype(torch::kLong).device(exec_.device));
      torch::Tensor& a = net_->alphas()[e];
      torch::Tensor offset = torch::logsumexp(a.index_select(0, index), 0) - torch::logsumexp(before[e].index_select(0, index), 0);
      a.index_put_({index}, a.index_select(0, index) - offset);
    }
  }
  RefreshProbabilities();
  return stats;
}

ArchStepStats ArchTrainer::ReinforceStep(const torch::Tensor& x, const torch::Tensor& y, SeededRandom& rng) {
  std::vector<std::vector<EdgeChoice>> paths;
  std::vector<double> rewards;
  double top1_sum = 0.0;
  {
    torch::NoGradGuard no_grad;
    FreezeBatchNormStats frozen;  // sampled networks are measured, not trained
    for (int64_t k = 0; k < spec_.samples; ++k) {
      paths.push_back(SamplePath(rng));
      torch::Tensor logits;
      {
        AutocastScope autocast(exec_);
        logits = net_->forward(x, paths.back(), spec_.mode, exec_);
      }
      const double acc = logits.argmax(1).eq(y).to(torch::kFloat64).mean().item<double>();
      double reward = acc;
      if (!spec_.latency.empty() && spec_.target > 0.0 && spec_.reward_exponent != 0.0) {
        double lat = spec_.fixed_latency;
        for (size_t e = 0; e < paths.back().size(); ++e) lat += spec_.latency[e][static_cast<size_t>(paths.back()[e].active)];
        reward *= std::pow(spec_.target / std::max(lat, 1e-12), spec_.reward_exponent);
      }
      rewards.push_back(reward);
      top1_sum += acc;
    }
  }
  double mean = 0.0;
  for (double r : rewards) mean += r / static_cast<double>(rewards.size());
  baseline_ = has_baseline_ ? spec_.baseline_decay * baseline_ + (1.0 - spec_.baseline_decay) * mean : mean;
  has_baseline_ = true;
  // loss = -(1/K) sum_k (R_k - b) log p(path_k); log p(path) is the sum of per-edge log-probabilities.
  torch::Tensor loss = torch::zeros({}, torch::TensorOptions().device(exec_.device));
  for (size_t e = 0; e < paths[0].size(); ++e) {
    torch::Tensor log_p = torch::log_softmax(net_->alphas()[e], 0);
    std::vector<int64_t> chosen;
    std::vector<double> advantage;
    for (size_t k = 0; k < paths.size(); ++k) {
      chosen.push_back(paths[k][e].active);
      advantage.push_back(rewards[k] - baseline_);
    }
    torch::Tensor index = torch::tensor(chosen, torch::TensorOptions().dtype(torch::kLong).device(exec_.device));
    torch::Tensor adv = torch::tensor(advantage, torch::kFloat64).to(torch::kFloat32).to(exec_.device);
    loss = loss - (log_p.index_select(0, index) * adv).sum() / static_cast<double>(paths.size());
  }
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();
  RefreshProbabilities();
  ArchStepStats stats;
  stats.loss = -mean;
  stats.top1 = top1_sum / static_cast<double>(spec_.samples);
  return stats;
}

void ArchTrainer::Save(torch::serialize::OutputArchive& archive) {
  for (size_t e = 0; e < net_->alphas().size(); ++e) archive.write("alpha" + std::to_string(e), net_->alphas()[e].detach());
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
