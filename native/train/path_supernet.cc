// Weight-sharing supernets trained one uniformly drawn path per step (RSPS), restricted by
// per-decision option masks (a GM-NAS sub-supernet), and the gradient-matching measurement that
// decides where to split them. Works on the NB201 supernet and on a chain supernet alike. Follows the
// reference (skhu101/GM-NAS, WS-GM/nasbench201): NB201 draws are connected cells only, the matched
// gradient is the cells' (not the stem's or classifier's), and per-batch distances are averaged.
#include <algorithm>
#include <unordered_set>

#include "common/error.h"
#include "data/cycling_batches.h"
#include "nets/seeded_construction.h"
#include "proxies/model_state_guard.h"
#include "train/classification_loss.h"
#include "train/path_supernet.h"

namespace torchnas {
namespace {

uint64_t OneShotSeed(uint64_t session_seed, int64_t epoch) {
  return DeriveSeed(session_seed ^ 0x72737073ull, static_cast<uint64_t>(epoch));
}

// The parameters' gradients, zeros where one has none, as one float64 vector.
torch::Tensor FlatGradient(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : params) {
    const torch::Tensor& g = p.grad();
    parts.push_back(g.defined() ? g.detach().to(torch::kFloat64).reshape({-1})
                                : torch::zeros({p.numel()}, p.options().dtype(torch::kFloat64)));
  }
  return torch::cat(parts);
}

// Adds each pair's 1 - cos of one batch's vectors to `sum` (row-major n x n).
void AddDistances(std::vector<double>& sum, const std::vector<torch::Tensor>& vectors) {
  const std::vector<double> d = CosineDistances(vectors);
  if (sum.empty()) sum.assign(d.size(), 0.0);
  for (size_t k = 0; k < d.size(); ++k) sum[k] += d[k];
}

// The reference's check_connect (search_model_ws.py:34-41): some route from the cell's input to its
// output has no `none` edge. Edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2; routes 3<-0 | 2<-0 3<-2 |
// 1<-0 3<-1 | 1<-0 2<-1 3<-2.
bool Nb201Connected(const std::vector<int64_t>& path) {
  auto on = [&](size_t e) { return path[e] != static_cast<int64_t>(Nb201Op::kNone); };
  return on(3) || (on(1) && on(5)) || (on(0) && on(4)) || (on(0) && on(2) && on(5));
}

// The parameters whose gradients GM-NAS compares when it splits a decision (`own`: the decision's).
// NB201, as the reference's get_split_gradients (search_model_ws.py:53-63): every cell's edge
// operations but the split edge's, and the stride-2 residual blocks between stages (cells.<k>.*);
// not the stem, the last BatchNorm or the classifier. The reference's cell BatchNorm is non-affine,
// so the edges' BatchNorm scales and shifts (ours are affine) are left out as well. A chain supernet,
// as the ProxylessNAS reference (super_proxyless.py:293-306): every parameter but the decision's own.
std::vector<torch::Tensor> MatchedParameters(torch::nn::Module& model, bool nb201,
                                             const std::vector<torch::Tensor>& own) {
  std::unordered_set<void*> left_out;
  for (const auto& p : own) left_out.insert(p.unsafeGetTensorImpl());
  if (nb201) {
    for (const auto& m : model.modules(/*include_self=*/false)) {
      if (m->as<torch::nn::BatchNorm2d>() == nullptr) continue;
      for (const auto& p : m->parameters(/*recurse=*/false)) left_out.insert(p.unsafeGetTensorImpl());
    }
  }
  std::vector<torch::Tensor> out;
  for (const auto& item : model.named_parameters()) {
    const bool skip = left_out.count(item.value().unsafeGetTensorImpl()) > 0;
    if (!nb201) {
      if (!skip) out.push_back(item.value());
      continue;
    }
    // cells.<k>.edges.* are edge operations; the other cells.<k>.* the residual blocks, BN and all.
    const std::string& name = item.key();
    const bool in_cells = name.rfind("cells.", 0) == 0;
    const bool on_edge = in_cells && name.find(".edges.") != std::string::npos;
    if (in_cells && !(on_edge && skip)) out.push_back(item.value());
  }
  return out;
}

}  // namespace

std::vector<double> MeanCosineDistances(const std::vector<std::vector<torch::Tensor>>& batches) {
  Require(!batches.empty(), "gradient matching needs at least one batch");
  std::vector<double> sum;
  for (const auto& vectors : batches) {
    Require(vectors.size() == batches[0].size(), "every batch needs one vector per option");
    AddDistances(sum, vectors);
  }
  for (double& d : sum) d /= static_cast<double>(batches.size());
  return sum;
}

PathSupernet::PathSupernet(Session& session, std::shared_ptr<Nb201SupernetImpl> nb201,
                           std::shared_ptr<SupernetImpl> chain)
    : session_(session), nb201_(std::move(nb201)), chain_(std::move(chain)) {}

PathSupernet& PathSupernet::Of(Session& session) {
  return session.Extension<PathSupernet>([&] {
    auto nb201 = std::dynamic_pointer_cast<Nb201SupernetImpl>(session.model());
    auto chain = std::dynamic_pointer_cast<SupernetImpl>(session.model());
    if (!nb201 && !chain)
      Fail(codes::kState, "the session has no path supernet: call buildNb201Supernet or buildSupernet first");
    return std::make_shared<PathSupernet>(session, std::move(nb201), std::move(chain));
  });
}

int64_t PathSupernet::BuildNb201(Session& session, const Nb201Spec& spec) {
  return session.InstallModel(
      ConstructSeeded(session.options().seed, [&] { return std::make_shared<Nb201SupernetImpl>(spec); }));
}

std::vector<int64_t> PathSupernet::OptionCounts() const {
  if (nb201_) return std::vector<int64_t>(kNb201Edges, kNb201OpCount);
  std::vector<int64_t> counts;
  for (int64_t e = 0; e < chain_->edges(); ++e) counts.push_back(chain_->candidates(e));
  return counts;
}

void PathSupernet::SetPathMasks(const std::vector<std::vector<int64_t>>& masks) {
  const std::vector<int64_t> counts = OptionCounts();
  if (masks.empty()) {
    masks_.clear();
    return;
  }
  Require(masks.size() == counts.size(), "path masks need one option list per decision (" +
                                             std::to_string(counts.size()) + "), got " +
                                             std::to_string(masks.size()));
  std::vector<int64_t> widest;  // a non-`none` op wherever the mask has one: connected if any path is
  for (size_t d = 0; d < masks.size(); ++d) {
    std::vector<int64_t> sorted = masks[d];
    std::sort(sorted.begin(), sorted.end());
    Require(!sorted.empty(), "decision " + std::to_string(d) + " has no allowed option");
    Require(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
            "decision " + std::to_string(d) + " lists an option twice");
    Require(sorted.front() >= 0 && sorted.back() < counts[d],
            "decision " + std::to_string(d) + ": options are in [0, " + std::to_string(counts[d]) + ")");
    widest.push_back(sorted.back());
  }
  // Draws are connected NB201 cells only: masks must leave one.
  Require(!nb201_ || Nb201Connected(widest),
          "these masks leave no connected NB201 cell: every route from the input to the output has a 'none' "
          "edge");
  masks_ = masks;
  for (auto& m : masks_) std::sort(m.begin(), m.end());
}

std::vector<std::vector<int64_t>> PathSupernet::PathMasks() const {
  if (!masks_.empty()) return masks_;
  std::vector<std::vector<int64_t>> all;
  for (int64_t n : OptionCounts()) {
    all.emplace_back();
    for (int64_t j = 0; j < n; ++j) all.back().push_back(j);
  }
  return all;
}

// Uniform inside the masks; on NB201 a disconnected cell is drawn again, as the reference's
// _sample_single_path_theta (search_model_ws.py:43-51), so draws are uniform over connected cells.
std::vector<int64_t> PathSupernet::DrawPath(SeededRandom& rng) const {
  const auto masks = PathMasks();
  for (;;) {
    std::vector<int64_t> path;
    for (const auto& options : masks) path.push_back(options[rng.Below(options.size())]);
    if (!nb201_ || Nb201Connected(path)) return path;
  }
}

void PathSupernet::RequireInsideMasks(const std::vector<int64_t>& path) const {
  const auto masks = PathMasks();
  Require(path.size() == masks.size(),
          "a path needs one option per decision (" + std::to_string(masks.size()) + ")");
  for (size_t d = 0; d < path.size(); ++d) {
    Require(std::binary_search(masks[d].begin(), masks[d].end(), path[d]),
            "decision " + std::to_string(d) + ": option " + std::to_string(path[d]) +
                " is outside this supernet's mask");
  }
}

torch::Tensor PathSupernet::ForwardPath(const torch::Tensor& x, const std::vector<int64_t>& path) {
  if (nb201_) return nb201_->forward(x, path);
  std::vector<EdgeChoice> choices;
  for (int64_t j : path) choices.push_back(EdgeChoice{j, {}});
  return chain_->forward(x, choices, GateMode::kFullV2, session_.exec());
}

std::vector<torch::Tensor> PathSupernet::DecisionParameters(int64_t decision) {
  if (nb201_) return nb201_->EdgeParameters(decision);
  const std::string prefix = "edge" + std::to_string(decision) + ".";
  std::vector<torch::Tensor> out;
  for (const auto& item : chain_->named_parameters()) {
    if (item.key().rfind(prefix, 0) == 0) out.push_back(item.value());
  }
  return out;
}

EpochStats PathSupernet::OneShotEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                      int64_t progress_every, const ProgressFn& progress) {
  SeededRandom rng(OneShotSeed(session_.options().seed, loader.epoch));
  std::vector<int64_t> path;  // one per step, shared by its micro-batches
  EpochHooks hooks;
  hooks.before_step = [&] { path = DrawPath(rng); };
  hooks.forward = [&](const torch::Tensor& x) { return ForwardPath(x, path); };
  return session_.RunEpoch(std::move(data), std::move(loader), progress_every, progress, hooks);
}

std::vector<std::vector<int64_t>> PathSupernet::OneShotPaths(int64_t epoch, int64_t count) {
  Require(count >= 0, "count must be >= 0");
  SeededRandom rng(OneShotSeed(session_.options().seed, epoch));
  std::vector<std::vector<int64_t>> paths;
  for (int64_t i = 0; i < count; ++i) paths.push_back(DrawPath(rng));
  return paths;
}

std::vector<EvalStats> PathSupernet::EvaluateArchitectures(std::shared_ptr<const DatasetView> data,
                                                           LoaderOptions loader,
                                                           const std::vector<std::vector<int64_t>>& paths) {
  Model& model = session_.RequireModel();
  for (const auto& p : paths) RequireInsideMasks(p);
  ModelStateGuard restore(model);  // batch statistics move the running ones: put them back
  model.TrainWithoutDropout();
  std::vector<EvalStats> out;
  for (const auto& p : paths) {
    if (session_.cancelled()) Fail(codes::kClosed, "the session was closed during evaluation");
    out.push_back(
        session_.EvaluateWith(data, loader, [&](const torch::Tensor& x) { return ForwardPath(x, p); }));
  }
  return out;
}

// As the reference's split_supernet (train_search.py:446-491, with --supernet_train rsws): per batch
// one path drawn, the decision set to each option in turn, each option's gradient of the matched
// parameters, their cosine distance matrix; the matrices are averaged over the batches (dist_avg).
std::vector<GradientMatch> PathSupernet::MatchGradients(std::shared_ptr<const DatasetView> data,
                                                        LoaderOptions loader,
                                                        const std::vector<int64_t>& decisions,
                                                        int64_t repeats) {
  Model& model = session_.RequireModel();
  const auto masks = PathMasks();
  Require(repeats >= 1, "gradient matching needs at least one batch per decision (repeats >= 1)");
  for (int64_t d : decisions) {
    Require(d >= 0 && d < static_cast<int64_t>(masks.size()),
            "decision " + std::to_string(d) + " is out of range");
    Require(masks[static_cast<size_t>(d)].size() >= 2,
            "decision " + std::to_string(d) + " has one option left: nothing to split");
  }
  ModelStateGuard restore(model);  // running statistics and gradients as they were
  model.TrainWithoutDropout();
  loader.pin_memory = session_.exec().device.is_cuda();
  SeededRandom rng(
      DeriveSeed(session_.options().seed ^ 0x676d6e6173ull, static_cast<uint64_t>(loader.epoch)));
  CyclingBatches batches(data, loader);
  const std::vector<torch::Tensor> all = model.parameters();
  std::vector<GradientMatch> out;
  for (int64_t d : decisions) {
    const auto& options = masks[static_cast<size_t>(d)];
    const auto matched = MatchedParameters(model, nb201_ != nullptr, DecisionParameters(d));
    std::vector<torch::Tensor> sums(options.size());  // for the norms of the averaged gradients
    std::vector<double> distance_sum;
    for (int64_t r = 0; r < repeats; ++r) {
      if (session_.cancelled()) Fail(codes::kClosed, "the session was closed during gradient matching");
      Batch b = batches.Next();
      torch::Tensor x = PrepareInput(b.images, session_.exec());
      torch::Tensor y = b.labels.to(session_.exec().device);
      std::vector<int64_t> path = DrawPath(rng);  // the other decisions: one draw for every option
      std::vector<torch::Tensor> grads;
      for (size_t i = 0; i < options.size(); ++i) {
        path[static_cast<size_t>(d)] = options[i];
        for (auto& p : all) p.mutable_grad() = torch::Tensor();
        ClassificationLoss(ForwardPath(x, path), y, 0.0).backward();
        grads.push_back(FlatGradient(matched));
        sums[i] = sums[i].defined() ? sums[i] + grads.back() : grads.back();
      }
      AddDistances(distance_sum, grads);
    }
    GradientMatch match;
    match.decision = d;
    match.options = options;
    for (auto& s : sums) match.norms.push_back(s.div_(static_cast<double>(repeats)).norm().item<double>());
    for (double& v : distance_sum) v /= static_cast<double>(repeats);
    match.distances = std::move(distance_sum);
    out.push_back(std::move(match));
  }
  return out;
}

LossProbe PathSupernet::ProbePath(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                  const std::vector<int64_t>& path) {
  const std::vector<int64_t> counts = OptionCounts();  // checked before any work
  Require(path.size() == counts.size(),
          "a path needs one option per decision (" + std::to_string(counts.size()) + ")");
  for (size_t d = 0; d < path.size(); ++d) {
    Require(path[d] >= 0 && path[d] < counts[d],
            "decision " + std::to_string(d) + ": options are in [0, " + std::to_string(counts[d]) + ")");
  }
  return session_.ProbeLoss(std::move(data), std::move(loader),
                            [&](const torch::Tensor& x) { return ForwardPath(x, path); });
}

}  // namespace torchnas
