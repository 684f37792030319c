// The one-shot elastic supernet on a session. Training steps sum several subnets' losses (the largest
// teaching the others) before one optimizer step; subnets are scored after BN recalibration and
// taken out as standalone networks.
#include <cmath>

#include "common/error.h"
#include "search/shift_nas.h"  // the destructor frees the ShiftNAS state
#include "nets/network.h"
#include "nets/seeded_construction.h"
#include "ops/batch_norm_stats.h"
#include "spaces/elastic_decisions.h"
#include "search/sampler_seed.h"
#include "train/checkpoint.h"
#include "train/classification_loss.h"
#include "train/elastic_training.h"

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

ElasticTraining::ElasticTraining(Session& session, std::shared_ptr<ElasticNetImpl> net)
    : session_(session), net_(std::move(net)) {}

ElasticTraining::~ElasticTraining() = default;

ElasticTraining& ElasticTraining::Of(Session& session) {
  return session.Extension<ElasticTraining>([&] {
    auto net = std::dynamic_pointer_cast<ElasticNetImpl>(session.model());
    if (!net) Fail(codes::kState, "the session has no elastic supernet: call buildElastic first");
    return std::make_shared<ElasticTraining>(session, std::move(net));
  });
}

int64_t ElasticTraining::Build(Session& session, const ElasticSpec& spec) {
  return session.InstallModel(
      ConstructSeeded(session.options().seed, [&] { return std::make_shared<ElasticNetImpl>(spec); }));
}

std::vector<double> ElasticTraining::CandidateLosses(const torch::Tensor& x, const torch::Tensor& y,
                                                     const std::vector<ElasticChoice>& candidates,
                                                     bool in_step) {
  ElasticNetImpl& net = *net_;
  torch::NoGradGuard no_grad;
  FreezeBatchNormStats frozen;  // scoring is not training: running statistics stay as they are
  const auto parts = in_step ? session_.MicroBatches(x, y) : MicroBatchList{{x, y}};
  std::vector<double> losses;
  for (const auto& c : candidates) {
    double loss = 0.0;
    for (const auto& [xm, ym] : parts) {
      AutocastScope autocast(session_.exec());
      loss +=
          ClassificationLoss(net.forward(xm, c), ym, 0.0).item<double>() / static_cast<double>(parts.size());
    }
    losses.push_back(loss);
  }
  // Every rank must pick the same candidate: the choice is made on the whole batch's losses.
  return in_step ? session_.SumOverRanks(losses) : losses;
}

std::pair<torch::Tensor, torch::Tensor> ElasticTraining::SupernetStep(const torch::Tensor& x,
                                                                      const torch::Tensor& y,
                                                                      const SamplerSpec& sampler,
                                                                      SeededRandom& rng) {
  ElasticNetImpl& net = *net_;
  const ExecutionConfig& exec = session_.exec();
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
  std::vector<torch::Tensor> first_logits, first_losses;
  auto accumulate = [&](const MicroBatchList& parts) {
    const double k = static_cast<double>(parts.size());
    std::vector<torch::Tensor> teachers(parts.size());
    for (size_t i = 0; i < subnets.size(); ++i) {
      const bool generated = shift && i > 0 && i + 1 < subnets.size();
      for (size_t m = 0; m < parts.size(); ++m) {
        const auto& [xm, ym] = parts[m];
        torch::Tensor logits, resource_loss;
        {
          AutocastScope autocast(exec);
          if (generated)
            std::tie(logits, resource_loss) = GeneratedForward(xm, rng);
          else
            logits = net.forward(xm, subnets[i]);
        }
        const bool taught = i > 0 && teachers[m].defined();
        torch::Tensor loss =
            taught ? DistillationLoss(logits, teachers[m], sampler.temperature) : session_.Loss(logits, ym);
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
  };
  auto clip = [&] {
    if (sampler.clip > 0.0 && sampler.clip_value)
      torch::nn::utils::clip_grad_value_(net.parameters(), sampler.clip);
    if (sampler.clip > 0.0 && !sampler.clip_value)
      torch::nn::utils::clip_grad_norm_(net.parameters(), sampler.clip);
  };
  // Several backward passes accumulate before the step: no overlap of the gradient sync.
  session_.OptimizerStep(x, y, /*overlap=*/false, accumulate, clip);
  if (shift) ShiftNasAfterStep(x, y);
  return {torch::cat(first_logits), torch::stack(first_losses).mean()};
}

EpochStats ElasticTraining::SupernetEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                          const SamplerSpec& sampler, int64_t progress_every,
                                          const ProgressFn& progress) {
  const bool shift = sampler.rule == SamplerRule::kShiftNas;
  Require(sampler.rule == SamplerRule::kUniform || sampler.rule == SamplerRule::kSandwich || shift ||
              !sampler.pool.empty(),
          "bestup and worstup need a subnet pool");
  if (shift) session_.RequireSingleProcess("ShiftNAS supernet training");
  if (shift) StartShiftNasEpoch(loader.epoch);
  Require(sampler.temperature > 0.0, "the distillation temperature must be positive");
  // Host randomness seeded per epoch: a resumed epoch draws exactly the same subnets.
  SeededRandom rng(SupernetEpochSeed(session_.options().seed, loader.epoch));
  EpochHooks hooks;
  hooks.step = [&](const torch::Tensor& x, const torch::Tensor& y) {
    return SupernetStep(x, y, sampler, rng);
  };
  return session_.RunEpoch(std::move(data), std::move(loader), progress_every, progress, hooks);
}

void ElasticTraining::RecalibrateBatchNorm(const ElasticChoice& subnet,
                                           std::shared_ptr<const DatasetView> calib, LoaderOptions loader,
                                           int64_t batches) {
  ElasticNetImpl& net = *net_;
  net.Check(subnet);
  Require(batches >= 1, "BN recalibration needs at least one batch");
  loader.shuffle = true;
  loader.drop_last = false;
  loader.augment.pad = 0;
  loader.augment.flip = false;
  loader.pin_memory = session_.exec().device.is_cuda();
  BatchLoader batch_loader(calib, loader);
  torch::NoGradGuard no_grad;
  net.ResetBatchNormStats();
  net.TrainWithoutDropout();
  // Momentum 1/(t+1) at batch t makes the running statistics the plain average over the batches.
  int64_t t = 0;
  for (; t < batches; ++t) {
    auto batch = batch_loader.Next();
    if (!batch) break;
    if (session_.cancelled()) Fail(codes::kClosed, "the session was closed during BN recalibration");
    net.SetBatchNormMomentum(1.0 / static_cast<double>(t + 1));
    AutocastScope autocast(session_.exec());
    net.forward(PrepareInput(batch->images, session_.exec()), subnet);
  }
  net.SetBatchNormMomentum(0.1);
}

std::vector<EvalStats> ElasticTraining::ScoreSubnets(const std::vector<ElasticChoice>& subnets,
                                                     std::shared_ptr<const DatasetView> calib,
                                                     LoaderOptions calib_loader, int64_t calib_batches,
                                                     std::shared_ptr<const DatasetView> valid,
                                                     LoaderOptions valid_loader,
                                                     const std::function<void(size_t)>& progress) {
  ElasticNetImpl& net = *net_;
  for (const auto& s : subnets) net.Check(s);
  std::vector<EvalStats> out;
  for (const auto& s : subnets) {
    RecalibrateBatchNorm(s, calib, calib_loader, calib_batches);
    net.eval();
    out.push_back(session_.EvaluateWith(valid, valid_loader,
                                        [&](const torch::Tensor& x) { return net.forward(x, s); }));
    if (progress) progress(out.size());
  }
  return out;
}

NamedTensors ElasticTraining::SubnetTensors(const ElasticChoice& subnet) {
  ElasticNetImpl& net = *net_;
  net.Check(subnet);
  NamedTensors out;
  for (auto& [name, t] : net.Collect(subnet, [](const torch::Tensor& t) { return t; })) {
    out.emplace_back(name, t.detach().to(torch::kCPU, torch::kFloat64).contiguous());
  }
  return out;
}

int64_t ElasticTraining::ExportSubnet(const ElasticChoice& subnet, const NetworkSpec& spec,
                                      const std::string& path) {
  ElasticNetImpl& net = *net_;
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

LossProbe ElasticTraining::ProbeSubnet(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                       const ElasticChoice& subnet, bool masked) {
  ElasticNetImpl& net = *net_;
  net.Check(subnet);
  const ExecutionConfig& exec = session_.exec();
  const ElasticMasks masks =
      MasksOf(net,
              OneHotDecisions(net.spec(), subnet,
                              torch::TensorOptions().dtype(ParameterDtype(exec)).device(exec.device)),
              0);
  LossProbe probe = session_.ProbeWith(std::move(data), std::move(loader), [&](const torch::Tensor& x) {
    return masked ? net.ForwardMasked(x, masks) : net.forward(x, subnet);
  });
  // Parameters the subnet never reached have no gradient: zeros of their shape, so slicing works.
  auto gradient = [](const torch::Tensor& t) { return t.grad().defined() ? t.grad() : torch::zeros_like(t); };
  auto is_buffer = [](const std::string& name) {
    for (const char* suffix : {".running_mean", ".running_var", ".num_batches_tracked"}) {
      const std::string s(suffix);
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) return true;
    }
    return false;
  };
  for (const auto& [name, g] : net.Collect(subnet, gradient, /*gradients=*/true)) {
    if (!is_buffer(name)) probe.gradients.emplace_back(name, g.to(torch::kCPU, torch::kFloat64).contiguous());
  }
  for (auto& p : net.parameters()) p.mutable_grad() = torch::Tensor();
  return probe;
}

std::pair<std::vector<double>, int64_t> ElasticTraining::AttentivePick(
    std::shared_ptr<const DatasetView> data, LoaderOptions loader,
    const std::vector<ElasticChoice>& candidates, bool worst) {
  ElasticNetImpl& net = *net_;
  Require(!candidates.empty(), "attentive pick needs at least one candidate");
  for (const auto& c : candidates) net.Check(c);
  Batch batch = FirstBatch(std::move(data), loader);
  net.train();
  std::vector<double> losses = CandidateLosses(PrepareInput(batch.images, session_.exec()),
                                               batch.labels.to(session_.exec().device), candidates);
  const auto it =
      worst ? std::max_element(losses.begin(), losses.end()) : std::min_element(losses.begin(), losses.end());
  return {losses, static_cast<int64_t>(it - losses.begin())};
}

void ElasticTraining::ReorderChannels() {
  ElasticNetImpl& net = *net_;
  net.ReorderMiddleChannels();
  // Momentum buffers belong to the old channel order: start the optimizer afresh, as once-for-all
  // does at each phase of progressive shrinking.
  session_.RestartOptimizer();
}

std::vector<ElasticChoice> ElasticTraining::SampleSubnets(const SamplerSpec& sampler, int64_t count,
                                                          uint64_t seed) {
  ElasticNetImpl& net = *net_;
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
