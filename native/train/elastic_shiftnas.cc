// ShiftNAS on the elastic supernet (ElasticTraining). The training step's middle subnets come from the
// architecture generator (a bin drawn from B, a target cost in it, a hard Gumbel-softmax sample run
// through the masked supernet, so the task loss and the resource loss both reach the generator);
// every shift_every steps, beta moves by a finite-difference estimate of dL_valid/dB (below).
#include "common/error.h"
#include "nets/seeded_construction.h"
#include "ops/batch_norm_stats.h"
#include "search/shift_nas.h"
#include "spaces/elastic_decisions.h"
#include "train/classification_loss.h"
#include "train/elastic_training.h"

namespace torchnas {
namespace {

torch::TensorOptions ParameterOptions(const ExecutionConfig& exec) {
  return torch::TensorOptions().dtype(ParameterDtype(exec)).device(exec.device);
}

std::vector<torch::Tensor> Trainable(torch::nn::Module& net) {
  std::vector<torch::Tensor> out;
  for (auto& p : net.parameters()) {
    if (p.requires_grad()) out.push_back(p);
  }
  return out;
}

}  // namespace

ShiftNas& ElasticTraining::RequireShiftNas() {
  if (!shiftnas_)
    Fail(codes::kState, "the session has no ShiftNAS state: call configureShiftNas after buildElastic");
  return *shiftnas_;
}

void ElasticTraining::ConfigureShiftNas(const ShiftNasSpec& spec, std::shared_ptr<const DatasetView> valid,
                                        LoaderOptions valid_loader) {
  ElasticNetImpl& net = *net_;
  Require(valid != nullptr, "ShiftNAS needs held-out data for its update of the bin probabilities");
  // Seeded like the supernet, so that the same seed gives the same generator.
  shiftnas_ = ConstructSeeded(session_.options().seed + 17, [&] {
    return std::make_shared<ShiftNas>(net.spec(), spec, ParameterOptions(session_.exec()));
  });
  shift_valid_ = std::move(valid);
  valid_loader.pin_memory = session_.exec().device.is_cuda();
  shift_valid_loader_ = valid_loader;
}

void ElasticTraining::Save(torch::serialize::OutputArchive& root) const {
  if (!shiftnas_) return;
  torch::serialize::OutputArchive archive;
  shiftnas_->Save(archive);
  root.write("shiftnas", archive);
}

void ElasticTraining::Load(torch::serialize::InputArchive& root) {
  torch::serialize::InputArchive archive;
  if (shiftnas_ && root.try_read("shiftnas", archive)) shiftnas_->Load(archive);
}

ShiftNasStatus ElasticTraining::TakeShiftNasStatus() { return RequireShiftNas().TakeStatus(); }

void ElasticTraining::StartShiftNasEpoch(int64_t epoch) {
  ShiftNas& shift = RequireShiftNas();
  LoaderOptions loader = shift_valid_loader_;
  loader.epoch = epoch;
  shift.valid_batches = std::make_unique<BatchLoader>(shift_valid_, loader);
  shift.resource_rng = SeededRandom(DeriveSeed(session_.options().seed + 31, static_cast<uint64_t>(epoch)));
}

std::pair<torch::Tensor, torch::Tensor> ElasticTraining::GeneratedForward(const torch::Tensor& x,
                                                                          SeededRandom& rng) {
  ElasticNetImpl& net = *net_;
  ShiftNas& shift = RequireShiftNas();
  const double target = shift.DrawTarget(rng);
  torch::Tensor targets = shift.Targets({target});
  Decisions y = shift.Sample(targets, rng, /*hard=*/true);
  torch::Tensor logits = net.ForwardMasked(x, MasksOf(net, y, 0));
  torch::Tensor cost = shift.Cost(y);
  shift.RecordSample(cost.item<double>(), target);
  return {logits, shift.ResourceLoss(cost, targets, shift.spec().resource_weight)};
}

void ElasticTraining::ShiftNasAfterStep(const torch::Tensor& x, const torch::Tensor& y) {
  ShiftNas& shift = RequireShiftNas();
  const ShiftNasSpec& spec = shift.spec();
  if (spec.resource_batch > 0) {
    std::vector<double> costs;
    for (int64_t i = 0; i < spec.resource_batch; ++i) costs.push_back(shift.DrawTarget(shift.resource_rng));
    torch::Tensor targets = shift.Targets(costs);
    torch::Tensor cost = shift.Cost(shift.Sample(targets, shift.resource_rng, /*hard=*/true));
    shift.ResourceLoss(cost, targets, spec.resource_weight).backward();
  }
  shift.GeneratorStep();
  const int64_t step = session_.global_step();
  if (step > spec.shift_start && step % spec.shift_every == 0) ShiftBins(x, y);
}

// The estimator. With the training loss L_train(w, B) = sum_k B_k L_k(w) (L_k: the loss of bin k's
// subnet) and one SGD step w' = w - xi * grad_w L_train, the validation loss after the step has
//   dL_valid(w') / dB_k = -xi * <grad_w L_valid(w'), grad_w L_k(w)>,
// estimated as DARTS does with central finite differences around w:
//   ~ -xi * (L_k(w + eps g) - L_k(w - eps g)) / (2 eps),  g = grad_w L_valid(w),  eps = fd_epsilon / |g|.
// Bin k's subnet is the generator's argmax at the bin's centre; L_valid is the mean over the bins of
// their subnets' losses on one held-out batch; L_k is on the step's training batch. BatchNorm uses
// batch statistics without updating its running ones, dropout is off. Cost: K forward-backward and
// 2K forward passes per update.
void ElasticTraining::ShiftBins(const torch::Tensor& x, const torch::Tensor& y) {
  ElasticNetImpl& net = *net_;
  ShiftNas& shift = RequireShiftNas();
  std::optional<Batch> batch = shift.valid_batches->Next();
  if (!batch) {
    StartShiftNasEpoch(session_.global_step());  // a fresh order, as deterministic as the step count
    batch = shift.valid_batches->Next();
  }
  Require(batch.has_value(), "ShiftNAS: the held-out data has no batch");
  const torch::Tensor xv = PrepareInput(batch->images, session_.exec());
  const torch::Tensor yv = batch->labels.to(session_.exec().device);
  std::vector<double> centres;
  for (int64_t k = 0; k < shift.bins(); ++k) centres.push_back(shift.Centre(k));
  const Decisions argmax = shift.Argmax(shift.Targets(centres));
  std::vector<ElasticChoice> subnets;
  for (int64_t k = 0; k < shift.bins(); ++k) subnets.push_back(ChoiceOf(net.spec(), argmax, k));

  FreezeBatchNormStats frozen;
  net.TrainWithoutDropout();
  std::vector<torch::Tensor> params = Trainable(net);
  for (auto& p : params) p.mutable_grad() = torch::Tensor();
  for (const auto& s : subnets) {
    AutocastScope autocast(session_.exec());
    (ClassificationLoss(net.forward(xv, s), yv, 0.0) / static_cast<double>(subnets.size())).backward();
  }
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> g, saved;
  double norm = 0.0;
  for (auto& p : params) {
    g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    norm += g.back().to(torch::kFloat64).square().sum().item<double>();
    saved.push_back(p.detach().clone());
    p.mutable_grad() = torch::Tensor();
  }
  norm = std::sqrt(norm);
  net.train();
  if (!(norm > 0.0) || !std::isfinite(norm)) return;
  const double eps = shift.spec().fd_epsilon / norm;
  auto losses_at = [&](double step) {
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(saved[i] + step * g[i]);
    std::vector<double> out;
    for (const auto& s : subnets) {
      AutocastScope autocast(session_.exec());
      out.push_back(ClassificationLoss(net.forward(x, s), y, 0.0).item<double>());
    }
    return out;
  };
  net.TrainWithoutDropout();
  const std::vector<double> plus = losses_at(eps);
  const std::vector<double> minus = losses_at(-eps);
  for (size_t i = 0; i < params.size(); ++i) params[i].copy_(saved[i]);
  net.train();
  const double xi = session_.LearningRate();
  std::vector<double> gradient;
  for (size_t k = 0; k < plus.size(); ++k) gradient.push_back(-xi * (plus[k] - minus[k]) / (2.0 * eps));
  shift.ShiftStep(gradient);
}

std::vector<std::pair<ElasticChoice, double>> ElasticTraining::GenerateSubnets(
    const std::vector<double>& targets) {
  ElasticNetImpl& net = *net_;
  ShiftNas& shift = RequireShiftNas();
  Require(!targets.empty(), "generateSubnets needs at least one target");
  for (double t : targets) Require(t > 0.0 && std::isfinite(t), "a target cost must be a positive number");
  const Decisions y = shift.Argmax(shift.Targets(targets));
  torch::Tensor cost = shift.Cost(y).to(torch::kCPU, torch::kFloat64);
  std::vector<std::pair<ElasticChoice, double>> out;
  for (size_t i = 0; i < targets.size(); ++i) {
    out.emplace_back(ChoiceOf(net.spec(), y, static_cast<int64_t>(i)),
                     cost[static_cast<int64_t>(i)].item<double>());
  }
  return out;
}

double ElasticTraining::PretrainGenerator(int64_t steps, int64_t batch, uint64_t seed) {
  ShiftNas& shift = RequireShiftNas();
  Require(steps >= 0 && batch >= 1, "generator pre-training needs steps >= 0 and a batch of at least 1");
  SeededRandom rng(seed);
  const std::vector<double>& edges = shift.spec().edges;
  double error = 0.0;
  for (int64_t step = 0; step < steps; ++step) {
    if (session_.cancelled()) Fail(codes::kClosed, "the session was closed during generator pre-training");
    std::vector<double> costs;
    for (int64_t i = 0; i < batch; ++i)
      costs.push_back(edges.front() + rng.Uniform() * (edges.back() - edges.front()));
    torch::Tensor targets = shift.Targets(costs);
    torch::Tensor cost = shift.Cost(shift.Sample(targets, rng, /*hard=*/true));
    shift.ResourceLoss(cost, targets, 1.0).backward();
    shift.GeneratorStep();
    error = ((cost.detach() - targets) / targets).abs().mean().item<double>();
  }
  return error;
}

std::pair<double, double> ElasticTraining::GeneratorGradientCheck(std::shared_ptr<const DatasetView> data,
                                                                  LoaderOptions loader, double target,
                                                                  uint64_t seed, double epsilon) {
  ElasticNetImpl& net = *net_;
  ShiftNas& shift = RequireShiftNas();
  Require(epsilon > 0.0, "the finite-difference epsilon must be positive");
  Batch batch = FirstBatch(std::move(data), loader);
  const torch::Tensor x = PrepareInput(batch.images, session_.exec());
  const torch::Tensor y = batch.labels.to(session_.exec().device);
  FreezeBatchNormStats frozen;
  net.TrainWithoutDropout();
  const torch::Tensor targets = shift.Targets({target});
  auto loss = [&]() {
    SeededRandom rng(seed);  // the same noise at every evaluation
    Decisions sample = shift.Sample(targets, rng, /*hard=*/false);
    torch::Tensor task = ClassificationLoss(net.ForwardMasked(x, MasksOf(net, sample, 0)), y, 0.0);
    return task + shift.ResourceLoss(shift.Cost(sample), targets, shift.spec().resource_weight);
  };
  std::vector<torch::Tensor> params = shift.generator->parameters();
  for (auto& p : params) p.mutable_grad() = torch::Tensor();
  loss().backward();
  torch::NoGradGuard no_grad;
  SeededRandom rng(seed + 1);
  double analytic = 0.0;
  std::vector<torch::Tensor> direction, saved;
  for (auto& p : params) {
    std::vector<double> v(static_cast<size_t>(p.numel()));
    for (double& value : v) value = 2.0 * rng.Uniform() - 1.0;
    direction.push_back(torch::tensor(v, torch::kFloat64).reshape(p.sizes()).to(p.options()));
    if (p.grad().defined()) analytic += (p.grad() * direction.back()).sum().item<double>();
    saved.push_back(p.detach().clone());
    p.mutable_grad() = torch::Tensor();
  }
  auto loss_at = [&](double step) {
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(saved[i] + step * direction[i]);
    return loss().item<double>();
  };
  const double numeric = (loss_at(epsilon) - loss_at(-epsilon)) / (2.0 * epsilon);
  for (size_t i = 0; i < params.size(); ++i) params[i].copy_(saved[i]);
  for (auto& p : net.parameters()) p.mutable_grad() = torch::Tensor();
  net.train();
  return {analytic, numeric};
}

}  // namespace torchnas
