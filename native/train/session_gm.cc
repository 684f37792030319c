// Session: weight-sharing supernets trained one uniformly drawn path per step (RSPS), restricted by
// per-decision option masks (a GM-NAS sub-supernet), and the gradient-matching measurement that
// decides where to split them. Works on the NB201 supernet and on a chain supernet alike.
#include <algorithm>
#include <unordered_set>

#include "common/error.h"
#include "data/cycling_batches.h"
#include "nets/seeded_construction.h"
#include "proxies/model_state_guard.h"
#include "train/classification_loss.h"
#include "train/session.h"

namespace torchnas {
namespace {

uint64_t OneShotSeed(uint64_t session_seed, int64_t epoch) {
  return DeriveSeed(session_seed ^ 0x72737073ull, static_cast<uint64_t>(epoch));
}

// Every parameter's gradient, zeros where it has none, as one float64 vector (`skip`: left out).
torch::Tensor FlatGradient(const std::vector<torch::Tensor>& params, const std::unordered_set<void*>& skip) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : params) {
    if (skip.count(p.unsafeGetTensorImpl())) continue;
    const torch::Tensor& g = p.grad();
    parts.push_back(g.defined() ? g.detach().to(torch::kFloat64).reshape({-1})
                                : torch::zeros({p.numel()}, p.options().dtype(torch::kFloat64)));
  }
  return torch::cat(parts);
}

}  // namespace

int64_t Session::BuildNb201Supernet(const Nb201Spec& spec) {
  auto net = ConstructSeeded(options_.seed, [&] { return std::make_shared<Nb201SupernetImpl>(spec); });
  const int64_t parameters = InstallModel(net);
  nb201_supernet_ = net;
  return parameters;
}

std::vector<int64_t> Session::PathOptionCounts() const {
  if (nb201_supernet_) return std::vector<int64_t>(kNb201Edges, kNb201OpCount);
  if (supernet_) {
    std::vector<int64_t> counts;
    for (int64_t e = 0; e < supernet_->edges(); ++e) counts.push_back(supernet_->candidates(e));
    return counts;
  }
  Fail(codes::kState, "the session has no path supernet: call buildNb201Supernet or buildSupernet first");
}

void Session::SetPathMasks(const std::vector<std::vector<int64_t>>& masks) {
  const std::vector<int64_t> counts = PathOptionCounts();
  if (masks.empty()) {
    path_masks_.clear();
    return;
  }
  Require(masks.size() == counts.size(), "path masks need one option list per decision (" + std::to_string(counts.size()) +
                                             "), got " + std::to_string(masks.size()));
  for (size_t d = 0; d < masks.size(); ++d) {
    std::vector<int64_t> sorted = masks[d];
    std::sort(sorted.begin(), sorted.end());
    Require(!sorted.empty(), "decision " + std::to_string(d) + " has no allowed option");
    Require(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
            "decision " + std::to_string(d) + " lists an option twice");
    Require(sorted.front() >= 0 && sorted.back() < counts[d],
            "decision " + std::to_string(d) + ": options are in [0, " + std::to_string(counts[d]) + ")");
  }
  path_masks_ = masks;
  for (auto& m : path_masks_) std::sort(m.begin(), m.end());
}

std::vector<std::vector<int64_t>> Session::PathMasks() const {
  if (!path_masks_.empty()) return path_masks_;
  std::vector<std::vector<int64_t>> all;
  for (int64_t n : PathOptionCounts()) {
    all.emplace_back();
    for (int64_t j = 0; j < n; ++j) all.back().push_back(j);
  }
  return all;
}

std::vector<int64_t> Session::DrawPath(SeededRandom& rng) const {
  std::vector<int64_t> path;
  for (const auto& options : PathMasks()) path.push_back(options[rng.Below(options.size())]);
  return path;
}

void Session::RequireInsideMasks(const std::vector<int64_t>& path) const {
  const auto masks = PathMasks();
  Require(path.size() == masks.size(), "a path needs one option per decision (" + std::to_string(masks.size()) + ")");
  for (size_t d = 0; d < path.size(); ++d) {
    Require(std::binary_search(masks[d].begin(), masks[d].end(), path[d]),
            "decision " + std::to_string(d) + ": option " + std::to_string(path[d]) + " is outside this supernet's mask");
  }
}

torch::Tensor Session::ForwardPath(const torch::Tensor& x, const std::vector<int64_t>& path) {
  if (nb201_supernet_) return nb201_supernet_->forward(x, path);
  std::vector<EdgeChoice> choices;
  for (int64_t j : path) choices.push_back(EdgeChoice{j, {}});
  return RequireSupernet().forward(x, choices, GateMode::kFullV2, options_.exec);
}

std::vector<torch::Tensor> Session::DecisionParameters(int64_t decision) {
  if (nb201_supernet_) return nb201_supernet_->EdgeParameters(decision);
  const std::string prefix = "edge" + std::to_string(decision) + ".";
  std::vector<torch::Tensor> out;
  for (const auto& item : RequireSupernet().named_parameters()) {
    if (item.key().rfind(prefix, 0) == 0) out.push_back(item.value());
  }
  return out;
}

EpochStats Session::OneShotEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader, int64_t progress_every,
                                 const ProgressFn& progress) {
  PathOptionCounts();
  SeededRandom rng(OneShotSeed(options_.seed, loader.epoch));
  std::vector<int64_t> path;  // one per step, shared by its micro-batches
  EpochHooks hooks;
  hooks.before_step = [&] { path = DrawPath(rng); };
  hooks.forward = [&](const torch::Tensor& x) { return ForwardPath(x, path); };
  return RunEpoch(std::move(data), std::move(loader), progress_every, progress, hooks);
}

std::vector<std::vector<int64_t>> Session::OneShotPaths(int64_t epoch, int64_t count) {
  Require(count >= 0, "count must be >= 0");
  SeededRandom rng(OneShotSeed(options_.seed, epoch));
  std::vector<std::vector<int64_t>> paths;
  for (int64_t i = 0; i < count; ++i) paths.push_back(DrawPath(rng));
  return paths;
}

std::vector<EvalStats> Session::EvaluateArchitectures(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                                      const std::vector<std::vector<int64_t>>& paths) {
  Model& model = RequireModel();
  for (const auto& p : paths) RequireInsideMasks(p);
  ModelStateGuard restore(model);  // batch statistics move the running ones: put them back
  model.TrainWithoutDropout();
  std::vector<EvalStats> out;
  for (const auto& p : paths) {
    if (*options_.cancelled) Fail(codes::kClosed, "the session was closed during evaluation");
    out.push_back(EvaluateWith(data, loader, [&](const torch::Tensor& x) { return ForwardPath(x, p); }));
  }
  return out;
}

std::vector<GradientMatch> Session::MatchGradients(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                                   const std::vector<int64_t>& decisions, int64_t repeats) {
  Model& model = RequireModel();
  const auto masks = PathMasks();
  Require(repeats >= 1, "gradient matching needs at least one batch per decision (repeats >= 1)");
  for (int64_t d : decisions) {
    Require(d >= 0 && d < static_cast<int64_t>(masks.size()), "decision " + std::to_string(d) + " is out of range");
    Require(masks[static_cast<size_t>(d)].size() >= 2,
            "decision " + std::to_string(d) + " has one option left: nothing to split");
  }
  ModelStateGuard restore(model);  // running statistics and gradients as they were
  model.TrainWithoutDropout();
  loader.pin_memory = options_.exec.device.is_cuda();
  SeededRandom rng(DeriveSeed(options_.seed ^ 0x676d6e6173ull, static_cast<uint64_t>(loader.epoch)));
  CyclingBatches batches(data, loader);
  const std::vector<torch::Tensor> params = model.parameters();
  std::vector<GradientMatch> out;
  for (int64_t d : decisions) {
    const auto& options = masks[static_cast<size_t>(d)];
    std::unordered_set<void*> own;
    for (const auto& p : DecisionParameters(d)) own.insert(p.unsafeGetTensorImpl());
    std::vector<torch::Tensor> sums(options.size());
    for (int64_t r = 0; r < repeats; ++r) {
      if (*options_.cancelled) Fail(codes::kClosed, "the session was closed during gradient matching");
      Batch b = batches.Next();
      torch::Tensor x = PrepareInput(b.images, options_.exec);
      torch::Tensor y = b.labels.to(options_.exec.device);
      std::vector<int64_t> path = DrawPath(rng);  // the other decisions: one draw for every option
      for (size_t i = 0; i < options.size(); ++i) {
        path[static_cast<size_t>(d)] = options[i];
        for (auto& p : params) p.mutable_grad() = torch::Tensor();
        ClassificationLoss(ForwardPath(x, path), y, 0.0).backward();
        torch::Tensor g = FlatGradient(params, own);
        sums[i] = sums[i].defined() ? sums[i] + g : g;
      }
    }
    GradientMatch match;
    match.decision = d;
    match.options = options;
    for (auto& s : sums) {
      s.div_(static_cast<double>(repeats));
      match.norms.push_back(s.norm().item<double>());
    }
    match.distances = CosineDistances(sums);
    out.push_back(std::move(match));
  }
  return out;
}

}  // namespace torchnas
