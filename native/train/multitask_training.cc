#include "train/multitask_training.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/error.h"
#include "common/device.h"
#include "data/seeded_random.h"
#include "nets/seeded_construction.h"
#include "train/multitask_loss.h"

namespace torchnas {

MultitaskMode ParseMultitaskMode(const std::string& name) {
  if (name == "importance") return MultitaskMode::kImportance;
  if (name == "naive") return MultitaskMode::kNaive;
  if (name == "fixed") return MultitaskMode::kFixed;
  Fail(codes::kInvalidArgument, "unknown multitask mode '" + name + "' (known: importance, naive, fixed)");
}

void MultitaskSpec::Check() const {
  space.Check();
  const size_t t = tasks.size();
  Require(t >= 1, "a multitask run needs at least one task");
  Require(task_weights.size() == t && fixed_macs.size() == t && target_macs.size() == t,
          "taskWeights, fixedMacs and targetMacs need one value per task");
  Require(static_cast<int64_t>(block_macs.size()) == space.blocks(), "blockMacs needs one value per block");
  Require(arch_lr >= 0 && cost_weight >= 0 && weight_clip >= 1 && baseline_decay >= 0 && baseline_decay < 1,
          "archLr and costWeight must be >= 0, weightClip >= 1 and baselineDecay in [0, 1)");
}

namespace {
const uint64_t kMaskStream = 0xFB5E7A5Cull;

std::vector<double> Row(const torch::Tensor& t) {
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

void RequireFinite(const torch::Tensor& loss, TaskHead task, int64_t step) {
  if (std::isfinite(loss.item<double>())) return;
  Fail(codes::kNanLoss, std::string("the ") + TaskHeadName(task) + " loss is not finite at step " +
                            std::to_string(step) +
                            ": lower the learning rate (lr) or resume from the last checkpoint");
}

}  // namespace

MultitaskTraining::MultitaskTraining(Session& session, std::shared_ptr<MultiresNetImpl> net,
                                     MultitaskSpec spec)
    : session_(session), net_(std::move(net)), spec_(std::move(spec)), seed_(session.options().seed) {
  const int64_t t = static_cast<int64_t>(spec_.tasks.size());
  logits_ = torch::zeros({t, spec_.space.blocks()}, torch::kFloat64);
  baseline_ = torch::full({t}, std::nan(""), torch::kFloat64);
  scale_ = torch::zeros({t}, torch::kFloat64);
  weight_mean_ = torch::ones({t}, torch::kFloat64);
}

MultitaskTraining& MultitaskTraining::Of(Session& session) {
  return session.Extension<MultitaskTraining>([]() -> std::shared_ptr<MultitaskTraining> {
    Fail(codes::kState, "the session has no multitask network: call buildMultitask first");
  });
}

int64_t MultitaskTraining::Build(Session& session, MultitaskSpec spec) {
  const ExecutionConfig& exec = session.exec();
  if (!exec.device.is_cpu() || exec.precision != Precision::kFloat32)
    Fail(codes::kInvalidArgument,
         "the multitask network runs on the CPU in float32 for now: open its session with device 'cpu' and "
         "precision 'fp32'");
  session.RequireSingleProcess("the multitask search");
  spec.space.heads = spec.tasks;
  spec.Check();
  auto net =
      ConstructSeeded(session.options().seed, [&] { return std::make_shared<MultiresNetImpl>(spec.space); });
  const int64_t parameters = session.InstallModel(net);
  session.Extension<MultitaskTraining>(
      [&] { return std::make_shared<MultitaskTraining>(session, std::move(net), std::move(spec)); });
  return parameters;
}

std::vector<std::vector<double>> MultitaskTraining::KeepProbabilities() const {
  const torch::Tensor p = torch::sigmoid(logits_);
  std::vector<std::vector<double>> out;
  for (int64_t t = 0; t < p.size(0); ++t) out.push_back(Row(p[t].contiguous()));
  return out;
}

void MultitaskTraining::SetLogits(const std::vector<std::vector<double>>& logits) {
  Require(static_cast<int64_t>(logits.size()) == logits_.size(0), "one row of logits per task");
  for (size_t t = 0; t < logits.size(); ++t) {
    Require(static_cast<int64_t>(logits[t].size()) == logits_.size(1), "one logit per block");
    for (size_t b = 0; b < logits[t].size(); ++b)
      logits_[static_cast<int64_t>(t)][static_cast<int64_t>(b)] = logits[t][b];
  }
}

Mask MultitaskTraining::DrawMask(const std::vector<double>& q, uint64_t stream) const {
  SeededRandom rng(DeriveSeed(seed_ ^ kMaskStream, stream));
  Mask mask(q.size());
  for (size_t b = 0; b < q.size(); ++b) mask[b] = rng.Uniform() < q[b];
  return mask;
}

double MultitaskTraining::Reward(size_t task, double loss, const Mask& mask) const {
  const double target = spec_.target_macs[task];
  if (target <= 0 || spec_.cost_weight == 0) return loss;
  double macs = spec_.fixed_macs[task];
  for (size_t b = 0; b < mask.size(); ++b) macs += mask[b] ? spec_.block_macs[b] : 0.0;
  return loss + spec_.cost_weight * std::abs(macs / target - 1.0);
}

// Advantage against an EMA baseline, divided by an EMA of its own magnitude so that one arch_lr suits
// tasks whose losses differ in scale; the first reward only seeds the baseline.
void MultitaskTraining::UpdateDistribution(size_t task, const Mask& mask, double reward, double weight) {
  const int64_t t = static_cast<int64_t>(task);
  const double decay = spec_.baseline_decay;
  double baseline = baseline_[t].item<double>();
  if (std::isnan(baseline)) baseline = reward;
  const double advantage = reward - baseline;
  const double scale = decay * scale_[t].item<double>() + (1 - decay) * std::abs(advantage);
  scale_[t] = scale;
  baseline_[t] = decay * baseline + (1 - decay) * reward;
  if (scale <= 0) return;
  const std::vector<double> p = Row(torch::sigmoid(logits_[t]).contiguous());
  const std::vector<double> g = ReinforceGradient(p, mask, std::clamp(advantage / scale, -5.0, 5.0), weight);
  for (size_t b = 0; b < g.size(); ++b) logits_[t][static_cast<int64_t>(b)] -= spec_.arch_lr * g[b];
}

void MultitaskTraining::Step(const CanvasBatch& batch, int64_t step, MultitaskStepStats& stats) {
  switch (spec_.mode) {
    case MultitaskMode::kImportance:
      return ImportanceStep(batch, step, stats);
    case MultitaskMode::kNaive:
      return NaiveStep(batch, step, stats);
    case MultitaskMode::kFixed:
      return FixedStep(batch, step, stats);
  }
}

void MultitaskTraining::ImportanceStep(const CanvasBatch& batch, int64_t step, MultitaskStepStats& stats) {
  const size_t tasks = spec_.tasks.size();
  const auto probs = KeepProbabilities();
  std::vector<double> weight(tasks, 1.0);
  Mask mask;
  if (Searching(step)) {
    const std::vector<double> q = ProposalOf(probs, spec_.proposal_floor);
    mask = DrawMask(q, static_cast<uint64_t>(step));
    for (size_t t = 0; t < tasks; ++t) {
      const int64_t i = static_cast<int64_t>(t);
      const double raw = std::exp(LogImportanceWeight(probs[t], q, mask));
      weight_mean_[i] =
          spec_.baseline_decay * weight_mean_[i].item<double>() + (1 - spec_.baseline_decay) * raw;
      weight[t] = std::min(spec_.weight_clip, raw / weight_mean_[i].item<double>());
    }
  } else {
    mask = DrawMask(std::vector<double>(probs[0].size(), 0.5), static_cast<uint64_t>(step));
  }
  const std::vector<double> losses = WeightedStep(batch, mask, step, weight);
  const double kept = static_cast<double>(std::count(mask.begin(), mask.end(), true));
  for (size_t t = 0; t < tasks; ++t) {
    stats.loss[t] += losses[t], stats.weight[t] += weight[t], stats.kept_blocks[t] += kept;
    if (Searching(step)) UpdateDistribution(t, mask, Reward(t, losses[t], mask), weight[t]);
  }
}

void MultitaskTraining::NaiveStep(const CanvasBatch& batch, int64_t step, MultitaskStepStats& stats) {
  const size_t tasks = spec_.tasks.size();
  const auto probs = KeepProbabilities();
  std::vector<Mask> masks;
  std::vector<double> losses;
  session_.OptimizerStep(batch.images, batch.labels, /*overlap=*/false, [&](const MicroBatchList&) {
    for (size_t t = 0; t < tasks; ++t) {
      const std::vector<double> q = Searching(step) ? probs[t] : std::vector<double>(probs[t].size(), 0.5);
      masks.push_back(DrawMask(q, static_cast<uint64_t>(step) * tasks + t));
      const MultitaskOutputs out = net_->Forward(batch.images, masks.back(), {spec_.tasks[t]});
      const torch::Tensor loss = TaskLoss(spec_.tasks[t], out, batch);
      RequireFinite(loss, spec_.tasks[t], step);
      (spec_.task_weights[t] * loss).backward();
      losses.push_back(loss.item<double>());
    }
  });
  for (size_t t = 0; t < tasks; ++t) {
    const double kept = static_cast<double>(std::count(masks[t].begin(), masks[t].end(), true));
    stats.loss[t] += losses[t], stats.weight[t] += 1.0, stats.kept_blocks[t] += kept;
    if (Searching(step)) UpdateDistribution(t, masks[t], Reward(t, losses[t], masks[t]), 1.0);
  }
}

void MultitaskTraining::FixedStep(const CanvasBatch& batch, int64_t step, MultitaskStepStats& stats) {
  const std::vector<double> ones(spec_.tasks.size(), 1.0);
  const std::vector<double> losses = WeightedStep(batch, {}, step, ones);
  for (size_t t = 0; t < losses.size(); ++t) stats.loss[t] += losses[t], stats.weight[t] += 1.0;
}

// One weight step on the sum over tasks of task weight x `weight` x loss, from one forward with every
// head on the blocks `mask` keeps; returns each task's loss.
std::vector<double> MultitaskTraining::WeightedStep(const CanvasBatch& batch, const Mask& mask, int64_t step,
                                                    const std::vector<double>& weight) {
  std::vector<double> values;
  session_.OptimizerStep(batch.images, batch.labels, /*overlap=*/false, [&](const MicroBatchList&) {
    const MultitaskOutputs out = net_->Forward(batch.images, mask, spec_.tasks);
    torch::Tensor total = torch::zeros({}, batch.images.options());
    for (size_t t = 0; t < spec_.tasks.size(); ++t) {
      const torch::Tensor loss = TaskLoss(spec_.tasks[t], out, batch);
      RequireFinite(loss, spec_.tasks[t], step);
      total = total + spec_.task_weights[t] * weight[t] * loss;
      values.push_back(loss.item<double>());
    }
    total.backward();
  });
  return values;
}

MultitaskStepStats MultitaskTraining::TrainEpoch(CanvasLoader& loader, int64_t max_steps,
                                                 int64_t progress_every, const ProgressFn& progress) {
  session_.RequireSingleProcess("the multitask search");
  const size_t tasks = spec_.tasks.size();
  const int64_t steps = max_steps > 0 ? std::min(max_steps, loader.batches()) : loader.batches();
  MultitaskStepStats stats;
  stats.loss.assign(tasks, 0.0), stats.weight.assign(tasks, 0.0), stats.kept_blocks.assign(tasks, 0.0);
  const auto start = std::chrono::steady_clock::now();
  const auto step = [&](int64_t) {
    std::optional<CanvasBatch> batch = loader.Next();
    if (!batch) return false;
    batch->images = PrepareInput(batch->images, session_.exec());
    Step(*batch, session_.global_step(), stats);  // the step before it counts
    ++stats.steps;
    return true;
  };
  const auto report = [&](int64_t done) {
    if (!progress) return;
    ProgressRecord record{{"step", static_cast<double>(done)},
                          {"steps", static_cast<double>(steps)},
                          {"globalStep", static_cast<double>(session_.global_step())}};
    for (size_t t = 0; t < tasks; ++t)
      record.emplace_back(TaskHeadName(spec_.tasks[t]), stats.loss[t] / done);
    progress(record);
  };
  session_.RunSteps(steps, progress_every, step, report);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (size_t t = 0; t < tasks; ++t) {
    const double n = static_cast<double>(std::max<int64_t>(1, stats.steps));
    stats.loss[t] /= n, stats.weight[t] /= n, stats.kept_blocks[t] /= n;
  }
  return stats;
}

MultitaskEval MultitaskTraining::Evaluate(CanvasLoader& loader, const Mask& keep) {
  torch::NoGradGuard no_grad;
  net_->eval();
  const int64_t classes = spec_.space.classes;
  MultitaskEval eval;
  eval.confusion = torch::zeros({classes + 1, classes + 1}, torch::kInt64);
  std::vector<torch::Tensor> detections;
  std::vector<float> truths;  // rows of 6
  const auto has = [&](TaskHead h) {
    return std::find(spec_.tasks.begin(), spec_.tasks.end(), h) != spec_.tasks.end();
  };
  while (std::optional<CanvasBatch> batch = loader.Next()) {
    batch->images = PrepareInput(batch->images, session_.exec());
    const MultitaskOutputs out = net_->Forward(batch->images, keep, spec_.tasks);
    const int64_t offset = eval.images, b_count = batch->labels.size(0);
    if (has(TaskHead::kClassify))
      eval.correct += out.logits.argmax(1).eq(batch->labels).sum().item<int64_t>();
    if (has(TaskHead::kSegment)) {
      const torch::Tensor pairs =
          batch->segments.reshape(-1) * (classes + 1) + out.segment.argmax(1).reshape(-1);
      eval.confusion +=
          torch::bincount(pairs, {}, (classes + 1) * (classes + 1)).reshape({classes + 1, classes + 1});
    }
    if (has(TaskHead::kDetect)) {
      torch::Tensor found = DecodeDetections(out, 20, 0.01);
      found.select(1, 0) += static_cast<float>(offset);
      detections.push_back(found);
      auto labels = batch->box_labels.accessor<int64_t, 2>();
      auto boxes = batch->boxes.accessor<float, 3>();
      for (int64_t i = 0; i < b_count; ++i) {
        for (int64_t k = 0; k < labels.size(1); ++k) {
          if (labels[i][k] < 0) continue;
          truths.insert(truths.end(), {static_cast<float>(offset + i), boxes[i][k][0], boxes[i][k][1],
                                       boxes[i][k][2], boxes[i][k][3], static_cast<float>(labels[i][k])});
        }
      }
    }
    eval.images += b_count;
  }
  eval.detections = detections.empty() ? torch::zeros({0, 7}) : torch::cat(detections);
  eval.truths = torch::tensor(truths).reshape({-1, 6});
  return eval;
}

void MultitaskTraining::Save(torch::serialize::OutputArchive& root) const {
  torch::serialize::OutputArchive part;
  part.write("logits", logits_);
  part.write("baseline", baseline_);
  part.write("scale", scale_);
  part.write("weight_mean", weight_mean_);
  root.write("multitask", part);
}

// Required: a multitask checkpoint without its distributions would resume from fresh ones.
void MultitaskTraining::Load(torch::serialize::InputArchive& root) {
  torch::serialize::InputArchive part;
  root.read("multitask", part);
  torch::Tensor logits, baseline, scale, weight_mean;
  part.read("logits", logits);
  part.read("baseline", baseline);
  part.read("scale", scale);
  part.read("weight_mean", weight_mean);
  if (logits.sizes() != logits_.sizes())
    Fail(codes::kData, "the checkpoint's keep-probabilities are for another task list or space");
  logits_ = logits, baseline_ = baseline, scale_ = scale, weight_mean_ = weight_mean;
}

}  // namespace torchnas
