#include "train/session.h"

#include <chrono>
#include <cmath>

#include "common/error.h"
#include "dist/communicator.h"
#include "dist/gradient_buckets.h"  // the constructor destroys grad_buckets_ if it throws
#include "nets/network.h"
#include "nets/seeded_construction.h"
#include "ops/sync_batch_norm.h"
#include "train/classification_loss.h"

namespace torchnas {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void FailIfNotFinite(double loss, int64_t step) {
  if (!std::isfinite(loss)) {
    Fail(codes::kNanLoss, "the training loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") +
                              " by step " + std::to_string(step) +
                              ": lower the learning rate (`lr`) or add warm-up; the last checkpoint is kept");
  }
}

}  // namespace

Session::Session(SessionOptions options) : options_(std::move(options)) {
  if (options_.threads > 0) at::set_num_threads(static_cast<int>(options_.threads));
  if (options_.exec.device.is_cuda()) at::globalContext().setBenchmarkCuDNN(options_.cudnn_benchmark);
}

Model& Session::RequireModel() {
  if (!model_) Fail(codes::kState, "the session has no model: build a network first");
  return *model_;
}

torch::optim::Optimizer& Session::RequireOptimizer() {
  if (!optimizer_) Fail(codes::kState, "training is not configured: call configureTraining first");
  return *optimizer_;
}

int64_t Session::BuildNetwork(const NetworkSpec& spec) {
  return InstallModel(ConstructSeeded(options_.seed, [&] { return torchnas::BuildNetwork(spec); }));
}

int64_t Session::BuildNb201(const Nb201Spec& spec) {
  return InstallModel(ConstructSeeded(options_.seed, [&] { return BuildNb201Network(spec); }));
}

int64_t Session::InstallModel(std::shared_ptr<Model> model) {
  model->to(options_.exec.device, ParameterDtype(options_.exec));
  if (options_.exec.channels_last) ToChannelsLast(*model);
  model_ = std::move(model);
  extensions_.clear();
  optimizer_.reset();
  global_step_ = 0;
  AttachModelToGroup();
  return model_->ParameterCount();
}

std::pair<torch::Tensor, torch::Tensor> Session::WeightStep(
    const torch::Tensor& x, const torch::Tensor& y,
    const std::function<torch::Tensor(const torch::Tensor&)>& forward) {
  std::vector<torch::Tensor> logits, losses;
  OptimizerStep(x, y, /*overlap=*/true, [&](const MicroBatchList& parts) {
    for (const auto& [xi, yi] : parts) {
      {
        AutocastScope autocast(options_.exec);
        logits.push_back(forward(xi));
      }
      torch::Tensor loss = Loss(logits.back(), yi);
      (parts.size() == 1 ? loss : loss / static_cast<double>(parts.size())).backward();
      losses.push_back(loss.detach());
    }
  });
  return {torch::cat(logits).detach(), torch::stack(losses).mean()};
}

void Session::OptimizerStep(const torch::Tensor& x, const torch::Tensor& y, bool overlap,
                            const std::function<void(const MicroBatchList&)>& accumulate,
                            const std::function<void()>& before_update) {
  torch::optim::Optimizer& optimizer = RequireOptimizer();
  SetLearningRate(optimizer, LearningRate());
  ClearGradients(optimizer);  // untouched parameters keep no gradient, so the optimizer skips them
  const MicroBatchList parts = MicroBatches(x, y);
  BeginWeightStep(overlap && parts.size() == 1);
  SyncBatchNormScope sync(comm_ && comm_->sync_batch_norm() ? comm_.get() : nullptr);
  accumulate(parts);
  FinishWeightStep();
  if (before_update) before_update();
  optimizer.step();
  ++global_step_;
}

double Session::LearningRate() const { return LearningRateAt(optimizer_spec_, schedule_, global_step_); }

void Session::RestartOptimizer() {
  if (optimizer_) optimizer_ = MakeOptimizer(RequireModel(), optimizer_spec_);
}

void Session::ConfigureTraining(const OptimizerSpec& optimizer, const ScheduleSpec& schedule,
                                const LossSpec& loss) {
  Require(optimizer.lr > 0.0, "learning rate must be positive");
  Require(schedule.total_steps >= 1, "the schedule needs at least one step");
  Require(loss.label_smoothing >= 0.0 && loss.label_smoothing < 1.0, "label smoothing must be in [0, 1)");
  optimizer_ = MakeOptimizer(RequireModel(), optimizer);
  optimizer_spec_ = optimizer;
  schedule_ = schedule;
  loss_ = loss;
}

torch::Tensor Session::Loss(const torch::Tensor& logits, const torch::Tensor& labels) const {
  return ClassificationLoss(logits, labels, loss_.label_smoothing);
}

EpochStats Session::TrainEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                               int64_t progress_every, const ProgressFn& progress) {
  Model& model = RequireModel();
  EpochHooks hooks;
  hooks.forward = [&model](const torch::Tensor& input) { return model.forward(input); };
  return RunEpoch(std::move(data), std::move(loader), progress_every, progress, hooks);
}

EpochStats Session::RunEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                             int64_t progress_every, const ProgressFn& progress, const EpochHooks& hooks) {
  RequireModel();
  loader.pin_memory = options_.exec.device.is_cuda();
  ShardLoader(loader);
  BatchLoader batches(data, loader);
  const auto start = std::chrono::steady_clock::now();
  const auto device = options_.exec.device;
  torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kLong).device(device));
  EpochStats stats;
  const auto step = [&](int64_t) {
    auto batch = batches.Next();
    if (!batch) return false;
    torch::Tensor x = PrepareInput(batch->images, options_.exec);
    torch::Tensor y = batch->labels.to(device, /*non_blocking=*/true);
    if (hooks.before_step) hooks.before_step();
    auto [logits, loss] = hooks.step ? hooks.step(x, y) : WeightStep(x, y, hooks.forward);
    stats.lr = LearningRateAt(optimizer_spec_, schedule_, global_step_ - 1);
    ++stats.steps;
    stats.images += x.size(0);
    loss_sum += loss.to(torch::kFloat64) * x.size(0);
    correct += logits.argmax(1).eq(y).sum();
    if (hooks.after_step) hooks.after_step(stats.steps);
    return true;
  };
  const auto report = [&](int64_t) {
    // Over every rank's shard, so all ranks report (and stop on a NaN) alike.
    const std::vector<double> sums =
        SumOverRanks({loss_sum.item<double>(), static_cast<double>(correct.item<int64_t>()),
                      static_cast<double>(stats.images)});
    stats.loss = sums[0] / sums[2];
    stats.top1 = sums[1] / sums[2];
    FailIfNotFinite(stats.loss, global_step_);
    stats.seconds = Seconds(start);
    if (!progress) return;
    const double images = static_cast<double>(stats.images) * static_cast<double>(DistributedWorld());
    ProgressRecord record{{"step", static_cast<double>(stats.steps)},
                          {"steps", static_cast<double>(batches.batches())},
                          {"globalStep", static_cast<double>(global_step_)},
                          {"loss", stats.loss},
                          {"top1", stats.top1},
                          {"lr", stats.lr},
                          {"imagesPerSecond", images / std::max(stats.seconds, 1e-9)}};
    if (grad_buckets_) record.emplace_back("allReduceSeconds", grad_buckets_->exposed_seconds());
    if (hooks.extend_progress) hooks.extend_progress(record);
    progress(record);
  };
  RunSteps(batches.batches(), progress_every, step, report);
  return stats;
}

void Session::RunSteps(int64_t steps, int64_t progress_every, const std::function<bool(int64_t)>& step,
                       const std::function<void(int64_t)>& report) {
  Model& model = RequireModel();
  RequireOptimizer();
  // Past the schedule's end the learning rate is its final value (0 by default): refuse rather than
  // train on silently with it.
  if (global_step_ + steps > schedule_.total_steps) {
    Fail(codes::kState, "this epoch takes " + std::to_string(steps) + " steps but the schedule has " +
                            std::to_string(std::max<int64_t>(0, schedule_.total_steps - global_step_)) +
                            " left (totalSteps " + std::to_string(schedule_.total_steps) + ", at step " +
                            std::to_string(global_step_) +
                            "): call configureTraining with a larger totalSteps to train on");
  }
  model.train();
  int64_t done = 0, reported = 0;
  while (done < steps) {
    if (*options_.cancelled) Fail(codes::kClosed, "the session was closed during training");
    if (!step(done + 1)) break;
    ++done;
    if (done == steps || (progress_every > 0 && done % progress_every == 0)) report(reported = done);
  }
  if (done > reported) report(done);  // the batches ran out before `steps`
}

EvalStats Session::Evaluate(std::shared_ptr<const DatasetView> data, LoaderOptions loader) {
  Model& model = RequireModel();
  model.eval();
  return EvaluateWith(std::move(data), std::move(loader),
                      [&model](const torch::Tensor& x) { return model.forward(x); });
}

EvalStats Session::EvaluateWith(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                const std::function<torch::Tensor(const torch::Tensor&)>& forward) {
  loader.shuffle = false;
  loader.drop_last = false;
  loader.augment.pad = 0;
  loader.augment.flip = false;
  loader.pin_memory = options_.exec.device.is_cuda();
  BatchLoader batches(data, loader);
  torch::NoGradGuard no_grad;
  const auto start = std::chrono::steady_clock::now();
  const auto device = options_.exec.device;
  const int64_t k = std::min<int64_t>(5, data->source->classes());
  torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  torch::Tensor top1 = torch::zeros({}, torch::TensorOptions().dtype(torch::kLong).device(device));
  torch::Tensor topk = torch::zeros({}, torch::TensorOptions().dtype(torch::kLong).device(device));
  EvalStats stats;
  while (auto batch = batches.Next()) {
    if (*options_.cancelled) Fail(codes::kClosed, "the session was closed during evaluation");
    torch::Tensor x = PrepareInput(batch->images, options_.exec);
    torch::Tensor y = batch->labels.to(device, /*non_blocking=*/true);
    torch::Tensor logits;
    {
      AutocastScope autocast(options_.exec);
      logits = forward(x).to(torch::kFloat32);
    }
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .to(torch::kFloat64);
    torch::Tensor best = std::get<1>(logits.topk(k, 1));
    torch::Tensor hits = best.eq(y.unsqueeze(1));
    top1 += hits.select(1, 0).sum();
    topk += hits.any(1).sum();
    stats.images += x.size(0);
  }
  const auto n = static_cast<double>(stats.images);
  stats.loss = loss_sum.item<double>() / n;
  stats.top1 = static_cast<double>(top1.item<int64_t>()) / n;
  stats.top5 = static_cast<double>(topk.item<int64_t>()) / n;
  stats.seconds = Seconds(start);
  return stats;
}

}  // namespace torchnas
