// Session: the one-shot elastic supernet. Training steps sum several subnets' losses (the largest
// teaching the others) before one optimizer step; subnets are scored after BN recalibration and
// taken out as standalone networks.
#include <cmath>

#include "common/error.h"
#include "dist/communicator.h"
#include "nets/network.h"
#include "nets/seeded_construction.h"
#include "ops/batch_norm_stats.h"
#include "ops/sync_batch_norm.h"
#include "search/sampler_seed.h"
#include "train/checkpoint.h"
#include "train/classification_loss.h"
#include "train/session.h"

namespace torchnas {
namespace {

// Soft-target cross-entropy with temperature T, scaled by T^2 (Hinton et al.): the KL divergence to
// the teacher up to the teacher's entropy, a constant for the student, so the same gradients.
torch::Tensor DistillationLoss(const torch::Tensor& logits, const torch::Tensor& teacher_probabilities,
                               double t) {
  torch::Tensor student = torch::log_softmax(logits.to(teacher_probabilities.scalar_type()) / t, 1);
  return -(teacher_probabilities * student).sum(1).mean() * (t * t);
}

}  // namespace

ElasticNetImpl& Session::RequireElastic() {
  if (!elastic_) Fail(codes::kState, "the session has no elastic supernet: call buildElastic first");
  return *elastic_;
}

int64_t Session::BuildElastic(const ElasticSpec& spec) {
  auto net = ConstructSeeded(options_.seed, [&] { return std::make_shared<ElasticNetImpl>(spec); });
  const int64_t parameters = InstallModel(net);
  elastic_ = net;
  return parameters;
}

std::vector<double> Session::CandidateLosses(const torch::Tensor& x, const torch::Tensor& y,
                                             const std::vector<ElasticChoice>& candidates, bool in_step) {
  ElasticNetImpl& net = RequireElastic();
  torch::NoGradGuard no_grad;
  FreezeBatchNormStats frozen;  // scoring is not training: running statistics stay as they are
  const auto parts =
      in_step ? MicroBatches(x, y) : std::vector<std::pair<torch::Tensor, torch::Tensor>>{{x, y}};
  std::vector<double> losses;
  for (const auto& c : candidates) {
    double loss = 0.0;
    for (const auto& [xm, ym] : parts) {
      AutocastScope autocast(options_.exec);
      loss +=
          ClassificationLoss(net.forward(xm, c), ym, 0.0).item<double>() / static_cast<double>(parts.size());
    }
    losses.push_back(loss);
  }
  // Every rank must pick the same candidate: the choice is made on the whole batch's losses.
  return in_step ? SumOverRanks(losses) : losses;
}

std::pair<torch::Tensor, torch::Tensor> Session::SupernetStep(const torch::Tensor& x, const torch::Tensor& y,
                                                              const SamplerSpec& sampler, SeededRandom& rng) {
  ElasticNetImpl& net = RequireElastic();
  torch::optim::Optimizer& optimizer = RequireOptimizer();
  SubnetSampler draw(net.spec());
  const bool shift = sampler.rule == SamplerRule::kShiftNas;
  std::vector<ElasticChoice> subnets;
  if (sampler.rule == SamplerRule::kUniform) {
    subnets.push_back(draw.Uniform(rng));
  } else {
    subnets.push_back(net.Largest());
    for (int64_t i = 0; i < sampler.middle; ++i) {
      if (sampler.rule == SamplerRule::kSandwich) {
        subnets.push_back(draw.Uniform(rng));
        continue;
      }
      if (shift) {
        subnets.emplace_back();  // drawn by the generator below
        continue;
      }
      std::vector<ElasticChoice> near = draw.NearTarget(rng, sampler, sampler.candidates);
      std::vector<double> losses = CandidateLosses(x, y, near, /*in_step=*/true);
      const auto best = sampler.rule == SamplerRule::kBestUp ? std::min_element(losses.begin(), losses.end())
                                                             : std::max_element(losses.begin(), losses.end());
      subnets.push_back(near[static_cast<size_t>(best - losses.begin())]);
    }
    subnets.push_back(net.Smallest());
  }
  SetLearningRate(optimizer, LearningRateAt(optimizer_spec_, schedule_, global_step_));
  ClearGradients(optimizer);
  BeginWeightStep(/*overlap=*/false);  // several backward passes accumulate before the step
  SyncBatchNormScope sync(comm_ && comm_->sync_batch_norm() ? comm_.get() : nullptr);
  const auto parts = MicroBatches(x, y);
  const double k = static_cast<double>(parts.size());
  std::vector<torch::Tensor> first_logits, first_losses, teachers(parts.size());
  for (size_t i = 0; i < subnets.size(); ++i) {
    const bool generated = shift && i > 0 && i + 1 < subnets.size();
    for (size_t m = 0; m < parts.size(); ++m) {
      const auto& [xm, ym] = parts[m];
      torch::Tensor logits, resource_loss;
      {
        AutocastScope autocast(options_.exec);
        if (generated)
          std::tie(logits, resource_loss) = GeneratedForward(xm, rng);
        else
          logits = net.forward(xm, subnets[i]);
      }
      const bool taught = i > 0 && teachers[m].defined();
      torch::Tensor loss =
          taught ? DistillationLoss(logits, teachers[m], sampler.temperature) : Loss(logits, ym);
      torch::Tensor total = resource_loss.defined() ? loss + resource_loss : loss;
      (k == 1.0 ? total : total / k).backward();
      if (i == 0) {
        first_logits.push_back(logits.detach());
        first_losses.push_back(loss.detach());
        if (sampler.distill && subnets.size() > 1) {
          const bool fp64 = logits.scalar_type() == torch::kFloat64;
          torch::Tensor t = logits.detach();
          teachers[m] = torch::softmax((fp64 ? t : t.to(torch::kFloat32)) / sampler.temperature, 1);
        }
      }
    }
  }
  FinishWeightStep();
  if (sampler.clip > 0.0 && sampler.clip_value)
    torch::nn::utils::clip_grad_value_(net.parameters(), sampler.clip);
  if (sampler.clip > 0.0 && !sampler.clip_value)
    torch::nn::utils::clip_grad_norm_(net.parameters(), sampler.clip);
  optimizer.step();
  ++global_step_;
  if (shift) ShiftNasAfterStep(x, y);
  return {torch::cat(first_logits), torch::stack(first_losses).mean()};
}

EpochStats Session::SupernetEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                  const SamplerSpec& sampler, int64_t progress_every,
                                  const ProgressFn& progress) {
  RequireElastic();
  const bool shift = sampler.rule == SamplerRule::kShiftNas;
  Require(sampler.rule == SamplerRule::kUniform || sampler.rule == SamplerRule::kSandwich || shift ||
              !sampler.pool.empty(),
          "bestup and worstup need a subnet pool");
  if (shift) RequireSingleProcess("ShiftNAS supernet training");
  if (shift) StartShiftNasEpoch(loader.epoch);
  Require(sampler.temperature > 0.0, "the distillation temperature must be positive");
  // Host randomness seeded per epoch: a resumed epoch draws exactly the same subnets.
  SeededRandom rng(SupernetEpochSeed(options_.seed, loader.epoch));
  EpochHooks hooks;
  hooks.step = [&](const torch::Tensor& x, const torch::Tensor& y) {
    return SupernetStep(x, y, sampler, rng);
  };
  return RunEpoch(std::move(data), std::move(loader), progress_every, progress, hooks);
}

void Session::RecalibrateBatchNorm(const ElasticChoice& subnet, std::shared_ptr<const DatasetView> calib,
                                   LoaderOptions loader, int64_t batches) {
  ElasticNetImpl& net = RequireElastic();
  net.Check(subnet);
  Require(batches >= 1, "BN recalibration needs at least one batch");
  loader.shuffle = true;
  loader.drop_last = false;
  loader.augment.pad = 0;
  loader.augment.flip = false;
  loader.pin_memory = options_.exec.device.is_cuda();
  BatchLoader batch_loader(calib, loader);
  torch::NoGradGuard no_grad;
  net.ResetBatchNormStats();
  net.TrainWithoutDropout();
  // Momentum 1/(t+1) at batch t makes the running statistics the plain average over the batches.
  int64_t t = 0;
  for (; t < batches; ++t) {
    auto batch = batch_loader.Next();
    if (!batch) break;
    if (*options_.cancelled) Fail(codes::kClosed, "the session was closed during BN recalibration");
    net.SetBatchNormMomentum(1.0 / static_cast<double>(t + 1));
    AutocastScope autocast(options_.exec);
    net.forward(PrepareInput(batch->images, options_.exec), subnet);
  }
  net.SetBatchNormMomentum(0.1);
}

std::vector<EvalStats> Session::ScoreSubnets(const std::vector<ElasticChoice>& subnets,
                                             std::shared_ptr<const DatasetView> calib,
                                             LoaderOptions calib_loader, int64_t calib_batches,
                                             std::shared_ptr<const DatasetView> valid,
                                             LoaderOptions valid_loader,
                                             const std::function<void(size_t)>& progress) {
  ElasticNetImpl& net = RequireElastic();
  for (const auto& s : subnets) net.Check(s);
  std::vector<EvalStats> out;
  for (const auto& s : subnets) {
    RecalibrateBatchNorm(s, calib, calib_loader, calib_batches);
    net.eval();
    out.push_back(
        EvaluateWith(valid, valid_loader, [&](const torch::Tensor& x) { return net.forward(x, s); }));
    if (progress) progress(out.size());
  }
  return out;
}

NamedTensors Session::SubnetTensors(const ElasticChoice& subnet) {
  ElasticNetImpl& net = RequireElastic();
  net.Check(subnet);
  NamedTensors out;
  for (auto& [name, t] : net.Collect(subnet, [](const torch::Tensor& t) { return t; })) {
    out.emplace_back(name, t.detach().to(torch::kCPU, torch::kFloat64).contiguous());
  }
  return out;
}

int64_t Session::ExportSubnet(const ElasticChoice& subnet, const NetworkSpec& spec, const std::string& path) {
  ElasticNetImpl& net = RequireElastic();
  net.Check(subnet);
  auto child = torchnas::BuildNetwork(spec);
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : child->named_parameters()) targets[p.key()] = p.value();
  for (const auto& b : child->named_buffers()) targets[b.key()] = b.value();
  NamedTensors tensors = net.Collect(subnet, [](const torch::Tensor& t) { return t; });
  Require(tensors.size() == targets.size(), "the architecture given has " + std::to_string(targets.size()) +
                                                " tensors, the subnet " + std::to_string(tensors.size()) +
                                                ": is it the subnet's own architecture?");
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : tensors) {
    auto found = targets.find(name);
    Require(found != targets.end() && found->second.sizes() == t.sizes(),
            "the architecture given does not fit the subnet at '" + name +
                "': is it the subnet's own architecture?");
    found->second.copy_(t.detach().to(torch::kCPU));
  }
  torch::serialize::OutputArchive root, model_archive;
  child->to(torch::kFloat32);
  child->save(model_archive);
  root.write("model", model_archive);
  root.write("global_step", torch::tensor(int64_t{0}));
  WriteArchiveAtomically(root, path);
  return child->ParameterCount();
}

std::pair<std::vector<double>, int64_t> Session::AttentivePick(std::shared_ptr<const DatasetView> data,
                                                               LoaderOptions loader,
                                                               const std::vector<ElasticChoice>& candidates,
                                                               bool worst) {
  ElasticNetImpl& net = RequireElastic();
  Require(!candidates.empty(), "attentive pick needs at least one candidate");
  for (const auto& c : candidates) net.Check(c);
  Batch batch = FirstBatch(std::move(data), loader);
  net.train();
  std::vector<double> losses = CandidateLosses(PrepareInput(batch.images, options_.exec),
                                               batch.labels.to(options_.exec.device), candidates);
  const auto it =
      worst ? std::max_element(losses.begin(), losses.end()) : std::min_element(losses.begin(), losses.end());
  return {losses, static_cast<int64_t>(it - losses.begin())};
}

void Session::ReorderChannels() {
  ElasticNetImpl& net = RequireElastic();
  net.ReorderMiddleChannels();
  // Momentum buffers belong to the old channel order: start the optimizer afresh, as once-for-all
  // does at each phase of progressive shrinking.
  if (optimizer_) optimizer_ = MakeOptimizer(net, optimizer_spec_);
}

std::vector<ElasticChoice> Session::SampleSubnets(const SamplerSpec& sampler, int64_t count, uint64_t seed) {
  ElasticNetImpl& net = RequireElastic();
  SubnetSampler draw(net.spec());
  SeededRandom rng(seed);
  std::vector<ElasticChoice> out;
  for (int64_t i = 0; i < count; ++i) {
    Require(sampler.rule != SamplerRule::kShiftNas,
            "shiftnas subnets come from its generator: use generateSubnets");
    if (sampler.rule == SamplerRule::kUniform || sampler.rule == SamplerRule::kSandwich) {
      out.push_back(draw.Uniform(rng));
    } else {
      out.push_back(draw.NearTarget(rng, sampler, 1).front());
    }
  }
  return out;
}

}  // namespace torchnas
