#include "search/shift_nas.h"

#include <cmath>
#include <numeric>

#include "common/error.h"
#include "search/weighted_draw.h"

namespace torchnas {
namespace {

int64_t Columns(const std::vector<int64_t>& sizes) {
  return std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
}

}  // namespace

ShiftNas::ShiftNas(const ElasticSpec& space, ShiftNasSpec spec, const torch::TensorOptions& options)
    : spec_(std::move(spec)), options_(options), cost_(spec_.cost, Columns(DecisionSizes(space)), options) {
  Require(spec_.edges.size() >= 2, "ShiftNAS needs at least one complexity bin (two edges)");
  for (size_t i = 1; i < spec_.edges.size(); ++i) {
    Require(spec_.edges[i] > spec_.edges[i - 1], "ShiftNAS: the bin edges must increase");
  }
  Require(spec_.edges.front() > 0.0, "ShiftNAS: costs must be positive");
  Require(spec_.shift_every >= 1, "ShiftNAS: shift every must be at least 1 step");
  Require(spec_.generator_lr > 0.0 && spec_.beta_lr > 0.0, "ShiftNAS: learning rates must be positive");
  Require(spec_.fd_epsilon > 0.0, "ShiftNAS: the finite-difference epsilon must be positive");
  generator = ArchGenerator(DecisionSizes(space), spec_.hidden);
  generator->to(options.device(), options.dtype().toScalarType());
  generator_optimizer_ = std::make_unique<torch::optim::Adam>(generator->parameters(),
                                                              torch::optim::AdamOptions(spec_.generator_lr));
  // On the session's device, so that a checkpoint's optimizer state (loaded there) matches it.
  beta_ = torch::zeros({bins()}, options.dtype(torch::kFloat64)).requires_grad_(true);
  // Adam with beta1 0.5, as DARTS uses for its architecture parameters.
  beta_optimizer_ = std::make_unique<torch::optim::Adam>(
      std::vector<torch::Tensor>{beta_}, torch::optim::AdamOptions(spec_.beta_lr).betas({0.5, 0.999}));
  estimate_.assign(static_cast<size_t>(bins()), 0.0);
}

std::vector<double> ShiftNas::Probabilities() const {
  torch::Tensor p = torch::softmax(beta_.detach(), 0).to(torch::kCPU).contiguous();
  return std::vector<double>(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
}

double ShiftNas::Centre(int64_t bin) const {
  return 0.5 * (spec_.edges[static_cast<size_t>(bin)] + spec_.edges[static_cast<size_t>(bin) + 1]);
}

double ShiftNas::DrawTarget(SeededRandom& rng) const {
  const auto bin = static_cast<size_t>(DrawWeighted(Probabilities(), rng));
  return spec_.edges[bin] + rng.Uniform() * (spec_.edges[bin + 1] - spec_.edges[bin]);
}

torch::Tensor ShiftNas::Targets(const std::vector<double>& costs) const {
  return torch::tensor(costs, torch::kFloat64).to(options_);
}

torch::Tensor ShiftNas::Scaled(const torch::Tensor& targets) const {
  return (targets - spec_.edges.front()) / (spec_.edges.back() - spec_.edges.front());
}

Decisions ShiftNas::Sample(const torch::Tensor& targets, SeededRandom& rng, bool hard) {
  Decisions noise = generator->Noise(targets.size(0), rng, options_);
  return generator->forward(Scaled(targets), noise, spec_.temperature, hard);
}

Decisions ShiftNas::Argmax(const torch::Tensor& targets) {
  torch::NoGradGuard no_grad;
  return generator->forward(Scaled(targets), {}, spec_.temperature, true);
}

torch::Tensor ShiftNas::ResourceLoss(const torch::Tensor& cost, const torch::Tensor& targets,
                                     double weight) const {
  return weight * ((cost - targets) / targets).square().mean();
}

void ShiftNas::RecordSample(double cost, double target) {
  error_sum_ += std::abs(cost - target) / target;
  ++samples_;
}

void ShiftNas::GeneratorStep() {
  generator_optimizer_->step();
  generator_optimizer_->zero_grad();
}

void ShiftNas::ShiftStep(const std::vector<double>& d_probabilities) {
  Require(static_cast<int64_t>(d_probabilities.size()) == bins(), "ShiftNAS: one gradient per bin is needed");
  torch::Tensor p = torch::softmax(beta_.detach(), 0);
  torch::Tensor g = torch::tensor(d_probabilities, torch::kFloat64).to(p.device());
  // dL/dbeta = J^T dL/dB with J = diag(B) - B B^T.
  beta_.mutable_grad() = p * (g - (p * g).sum());
  beta_optimizer_->step();
  beta_optimizer_->zero_grad();
  estimate_ = d_probabilities;
  ++updates_;
}

ShiftNasStatus ShiftNas::TakeStatus() {
  ShiftNasStatus s;
  s.probabilities = Probabilities();
  torch::Tensor b = beta_.detach().to(torch::kCPU).contiguous();
  s.beta.assign(b.data_ptr<double>(), b.data_ptr<double>() + b.numel());
  s.estimate = estimate_;
  s.updates = updates_;
  s.samples = samples_;
  s.constraint_error = samples_ > 0 ? error_sum_ / static_cast<double>(samples_) : 0.0;
  error_sum_ = 0.0;
  samples_ = 0;
  return s;
}

void ShiftNas::Save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive generator_archive, generator_optimizer, beta_optimizer;
  generator->save(generator_archive);
  archive.write("generator", generator_archive);
  generator_optimizer_->save(generator_optimizer);
  archive.write("generator_optimizer", generator_optimizer);
  archive.write("beta", beta_.detach());
  beta_optimizer_->save(beta_optimizer);
  archive.write("beta_optimizer", beta_optimizer);
  archive.write("estimate", torch::tensor(estimate_, torch::kFloat64));
  archive.write("updates", torch::tensor(updates_));
}

void ShiftNas::Load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive generator_archive, generator_optimizer, beta_optimizer;
  archive.read("generator", generator_archive);
  generator->load(generator_archive);
  archive.read("generator_optimizer", generator_optimizer);
  generator_optimizer_->load(generator_optimizer);
  torch::Tensor beta, estimate, updates;
  archive.read("beta", beta);
  Require(beta.numel() == bins(), "the checkpoint's ShiftNAS state has " + std::to_string(beta.numel()) +
                                      " bins, the run " + std::to_string(bins()));
  {
    torch::NoGradGuard no_grad;
    beta_.copy_(beta.to(beta_.device(), torch::kFloat64));
  }
  archive.read("beta_optimizer", beta_optimizer);
  beta_optimizer_->load(beta_optimizer);
  archive.read("estimate", estimate);
  estimate = estimate.to(torch::kCPU, torch::kFloat64).contiguous();
  estimate_.assign(estimate.data_ptr<double>(), estimate.data_ptr<double>() + estimate.numel());
  archive.read("updates", updates);
  updates_ = updates.item<int64_t>();
}

}  // namespace torchnas
