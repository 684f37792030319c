// ProxylessNAS search on a session. Weight steps train one sampled path on the train split;
// every k of them an architecture step runs on the next validation batch.
#include <chrono>

#include "common/error.h"
#include "dist/communicator.h"
#include "data/batch_loader.h"
#include "data/cycling_batches.h"
#include "nets/seeded_construction.h"
#include "ops/batch_norm_stats.h"
#include "train/classification_loss.h"
#include "train/proxyless_search.h"

namespace torchnas {

ProxylessSearch::ProxylessSearch(Session& session, std::shared_ptr<SupernetImpl> net)
    : session_(session), net_(std::move(net)) {}

ProxylessSearch& ProxylessSearch::Of(Session& session) {
  return session.Extension<ProxylessSearch>([&] {
    auto net = std::dynamic_pointer_cast<SupernetImpl>(session.model());
    if (!net) Fail(codes::kState, "the session has no supernet: call buildSupernet first");
    return std::make_shared<ProxylessSearch>(session, std::move(net));
  });
}

ArchTrainer& ProxylessSearch::RequireArchTrainer() {
  if (!arch_) Fail(codes::kState, "the search is not configured: call configureSearch first");
  return *arch_;
}

int64_t ProxylessSearch::Build(Session& session, const SupernetSpec& spec) {
  const ExecutionConfig& exec = session.exec();
  return session.InstallModel(ConstructSeeded(session.options().seed, [&] {
    return std::make_shared<SupernetImpl>(spec, exec.device, ParameterDtype(exec));
  }));
}

void ProxylessSearch::ConfigureSearch(const ArchSpec& spec) {
  ArchParallel parallel;
  parallel.micro_batches = session_.options().micro_batches;
  if (session_.distributed()) {
    const double world = static_cast<double>(session_.DistributedWorld());
    parallel.mean_tensors = [this](const std::vector<torch::Tensor>& tensors) {
      session_.MeanOverRanks(tensors);
    };
    parallel.mean_values = [this, world](const std::vector<double>& values) {
      std::vector<double> sums = session_.SumOverRanks(values);
      for (double& v : sums) v /= world;
      return sums;
    };
  }
  arch_ = std::make_unique<ArchTrainer>(net_, session_.exec(), spec, std::move(parallel));
}

void ProxylessSearch::Save(torch::serialize::OutputArchive& root) const {
  if (!arch_) return;
  torch::serialize::OutputArchive archive;
  arch_->Save(archive);
  root.write("architecture", archive);
}

void ProxylessSearch::Load(torch::serialize::InputArchive& root) {
  torch::serialize::InputArchive archive;
  if (arch_ && root.try_read("architecture", archive)) arch_->Load(archive);
}

SearchEpochStats ProxylessSearch::SearchEpoch(std::shared_ptr<const DatasetView> train,
                                              std::shared_ptr<const DatasetView> valid,
                                              LoaderOptions train_loader, LoaderOptions valid_loader,
                                              const SearchEpochOptions& options, const ProgressFn& progress) {
  SupernetImpl& net = *net_;
  ArchTrainer& arch = RequireArchTrainer();
  Require(options.arch_every >= 1, "archEvery must be >= 1");
  // Host randomness for paths, seeded per epoch: a resumed epoch draws exactly the same paths.
  SeededRandom rng(DeriveSeed(session_.options().seed ^ 0xa5c4, static_cast<uint64_t>(train_loader.epoch)));
  valid_loader.pin_memory = session_.exec().device.is_cuda();
  valid_loader.drop_last = true;  // every architecture step sees a full batch, as the reference's
  session_.ShardLoader(valid_loader);
  Require(!options.update_arch || valid->size() >= valid_loader.batch_size * valid_loader.shard_count,
          "the validation part has " + std::to_string(valid->size()) + " images, fewer than one batch (" +
              std::to_string(valid_loader.batch_size) + "): hold out more data or use a smaller batch size");
  // A fresh order each pass over the validation part.
  LoaderOptions valid_order = valid_loader;
  valid_order.epoch = train_loader.epoch;
  CyclingBatches valid_batches(valid, valid_order);

  SearchEpochStats stats;
  double arch_loss_sum = 0.0, arch_top1_sum = 0.0;
  EpochHooks hooks;
  std::vector<EdgeChoice> path;  // one per weight step, shared by its micro-batches
  hooks.before_step = [&] { path = arch.SamplePath(rng); };
  hooks.forward = [&](const torch::Tensor& x) {
    return net.forward(x, path, GateMode::kFullV2, session_.exec());
  };
  hooks.after_step = [&](int64_t step) {
    if (!options.update_arch || step % options.arch_every != 0) return;
    // Timed apart from the weight steps: the device finishes the weight step first, and the step's
    // loss read back (a host value) marks its end.
    if (session_.exec().device.is_cuda()) torch::cuda::synchronize(session_.exec().device.index());
    const auto started = std::chrono::steady_clock::now();
    Batch b = valid_batches.Next();
    ArchStepStats s =
        arch.Step(PrepareInput(b.images, session_.exec()), b.labels.to(session_.exec().device), rng);
    stats.arch_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ++stats.arch_steps;
    arch_loss_sum += s.loss;
    arch_top1_sum += s.top1;
  };
  hooks.extend_progress = [&](ProgressRecord& record) {
    record.emplace_back("archSteps", static_cast<double>(stats.arch_steps));
    record.emplace_back("archTop1",
                        stats.arch_steps ? arch_top1_sum / static_cast<double>(stats.arch_steps) : 0.0);
    record.emplace_back("entropy", arch.Entropy());
  };
  stats.weights =
      session_.RunEpoch(std::move(train), std::move(train_loader), options.progress_every, progress, hooks);
  if (stats.arch_steps > 0) {
    stats.arch_loss = arch_loss_sum / static_cast<double>(stats.arch_steps);
    stats.arch_top1 = arch_top1_sum / static_cast<double>(stats.arch_steps);
  }
  torch::NoGradGuard no_grad;
  stats.expected_latency = arch.ExpectedLatency().item<double>();
  stats.entropy = arch.Entropy();
  return stats;
}

EvalStats ProxylessSearch::EvaluatePaths(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                         bool sampled) {
  SupernetImpl& net = *net_;
  ArchTrainer& arch = RequireArchTrainer();
  SeededRandom rng(
      DeriveSeed(session_.options().seed ^ 0x5eed, static_cast<uint64_t>(session_.global_step())));
  std::vector<EdgeChoice> argmax;
  for (int64_t j : net.Argmax()) argmax.push_back(EdgeChoice{j, {}});
  FreezeBatchNormStats frozen;
  net.train();
  net.apply([](torch::nn::Module& m) {
    if (dynamic_cast<torch::nn::DropoutImpl*>(&m)) m.eval();  // batch statistics, but no dropout
  });
  return session_.EvaluateWith(std::move(data), std::move(loader), [&](const torch::Tensor& x) {
    return net.forward(x, sampled ? arch.SamplePath(rng) : argmax, GateMode::kFullV2, session_.exec());
  });
}

std::vector<std::vector<double>> ProxylessSearch::ArchProbabilities() {
  return RequireArchTrainer().probabilities();
}

std::vector<int64_t> ProxylessSearch::DerivedChoices() { return net_->Argmax(); }

void ProxylessSearch::SetArchLogits(const std::vector<std::vector<double>>& logits) {
  SupernetImpl& net = *net_;
  Require(static_cast<int64_t>(logits.size()) == net.edges(), "one logit vector per edge is needed");
  torch::NoGradGuard no_grad;
  for (size_t e = 0; e < logits.size(); ++e) {
    Require(static_cast<int64_t>(logits[e].size()) == net.candidates(static_cast<int64_t>(e)),
            "edge " + std::to_string(e) + " needs one logit per candidate");
    net.alphas()[e].copy_(torch::tensor(logits[e], torch::kFloat64));
  }
  if (arch_) arch_->RefreshProbabilities();
}

std::vector<std::vector<double>> ProxylessSearch::ArchLogits() {
  std::vector<std::vector<double>> out;
  for (const auto& a : net_->alphas()) {
    torch::Tensor t = a.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    out.emplace_back(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
  }
  return out;
}

std::vector<std::pair<torch::Tensor, torch::Tensor>> ProxylessSearch::ArchGradient(
    std::shared_ptr<const DatasetView> data, LoaderOptions loader, std::vector<EdgeChoice> path,
    GateMode mode) {
  SupernetImpl& net = *net_;
  ArchTrainer& arch = RequireArchTrainer();
  Require(static_cast<int64_t>(path.size()) == net.edges(), "the path needs one choice per edge");
  for (size_t e = 0; e < path.size(); ++e) {
    for (int64_t j : path[e].members)
      Require(j >= 0 && j < net.candidates(static_cast<int64_t>(e)), "member out of range");
    Require(path[e].active >= 0 && path[e].active < net.candidates(static_cast<int64_t>(e)),
            "active candidate out of range");
    path[e].gate_gradients = std::make_shared<torch::Tensor>();
  }
  Batch batch = FirstBatch(std::move(data), loader);
  net.train();
  arch.Backward(PrepareInput(batch.images, session_.exec()), batch.labels.to(session_.exec().device), path,
                mode);
  std::vector<std::pair<torch::Tensor, torch::Tensor>> out;
  for (size_t e = 0; e < path.size(); ++e) {
    const torch::Tensor& grad = net.alphas()[e].grad();
    out.emplace_back(path[e].gate_gradients->defined() ? *path[e].gate_gradients : torch::Tensor(),
                     grad.defined()
                         ? grad.to(torch::kCPU, torch::kFloat64)
                         : torch::zeros({net.candidates(static_cast<int64_t>(e))}, torch::kFloat64));
    net.alphas()[e].mutable_grad() = torch::Tensor();
  }
  return out;
}

double ProxylessSearch::EdgeMixtureLoss(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                        const std::vector<std::vector<double>>& weights) {
  SupernetImpl& net = *net_;
  Batch batch = FirstBatch(std::move(data), loader);
  torch::NoGradGuard no_grad;
  FreezeBatchNormStats frozen;  // a measurement: the statistics the search uses stay as they are
  net.train();
  torch::Tensor logits = net.ForwardMixture(PrepareInput(batch.images, session_.exec()), weights);
  return ClassificationLoss(logits, batch.labels.to(session_.exec().device), 0.0).item<double>();
}

double ProxylessSearch::ArchReward(double accuracy, double latency) {
  return RequireArchTrainer().Reward(accuracy, latency);
}

double ProxylessSearch::ReinforceUpdate(const std::vector<std::vector<int64_t>>& paths,
                                        const std::vector<double>& rewards) {
  ArchTrainer& arch = RequireArchTrainer();
  std::vector<std::vector<EdgeChoice>> choices;
  for (const auto& p : paths) {
    std::vector<EdgeChoice> path;
    for (int64_t j : p) path.push_back(EdgeChoice{j, {}});
    choices.push_back(std::move(path));
  }
  arch.ReinforceUpdate(choices, rewards);
  return arch.baseline();
}

}  // namespace torchnas
