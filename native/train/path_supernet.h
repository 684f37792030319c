// Weight-sharing supernets trained one uniformly drawn path per step (RSPS) and split by gradient
// matching (GM-NAS), on a session (train/path_supernet.cc): the NB201 supernet, or a chain supernet
// from ProxylessSearch::Build. A path is one option index per decision (NB201: an op per edge).
#pragma once
#include "search/gradient_matching.h"
#include "spaces/nb201_supernet.h"
#include "spaces/supernet.h"
#include "train/session.h"

namespace torchnas {

// GM-NAS's distance over batches (the reference's dist_avg): each batch's 1 - cos matrix of its
// vectors (one per option), averaged over the batches; row-major n x n.
std::vector<double> MeanCosineDistances(const std::vector<std::vector<torch::Tensor>>& batches);

class PathSupernet : public SessionExtension {
 public:
  // One of the two is set: the supernet the session trains.
  PathSupernet(Session& session, std::shared_ptr<Nb201SupernetImpl> nb201,
               std::shared_ptr<SupernetImpl> chain);
  // The session's path supernet; E_STATE unless its model is one.
  static PathSupernet& Of(Session& session);
  static int64_t BuildNb201(Session& session, const Nb201Spec& spec);

  // The options each decision may take (a sub-supernet); an empty list allows every option.
  void SetPathMasks(const std::vector<std::vector<int64_t>>& masks);
  std::vector<std::vector<int64_t>> PathMasks() const;
  EpochStats OneShotEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                          int64_t progress_every, const ProgressFn& progress);
  // The paths OneShotEpoch draws in epoch `epoch` (its first `count` steps), for inspection.
  std::vector<std::vector<int64_t>> OneShotPaths(int64_t epoch, int64_t count);
  // Per path (inside the masks): accuracy on `data` with batch statistics; the running statistics
  // are left as they were.
  std::vector<EvalStats> EvaluateArchitectures(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                               const std::vector<std::vector<int64_t>>& paths);
  // For each decision (with 2+ allowed options): over `repeats` batches, one path per batch drawn from
  // the masks and shared by every option, the gradient of the matched parameters (NB201: the cells'
  // edges but the decision's own, BatchNorm left out, and the residual blocks; a chain: all but the
  // decision's own) with the decision fixed to each option; each batch's cosine distance matrix,
  // averaged over the batches (norms: of the averaged gradients). The model is left as it was.
  std::vector<GradientMatch> MatchGradients(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                            const std::vector<int64_t>& decisions, int64_t repeats);
  // Session::ProbeLoss through one path (any option of each decision, masks aside).
  LossProbe ProbePath(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                      const std::vector<int64_t>& path);

 private:
  std::vector<int64_t> OptionCounts() const;
  torch::Tensor ForwardPath(const torch::Tensor& x, const std::vector<int64_t>& path);
  // A decision's own parameters.
  std::vector<torch::Tensor> DecisionParameters(int64_t decision);
  // A uniform draw inside the masks.
  std::vector<int64_t> DrawPath(SeededRandom& rng) const;
  void RequireInsideMasks(const std::vector<int64_t>& path) const;

  Session& session_;
  std::shared_ptr<Nb201SupernetImpl> nb201_;
  std::shared_ptr<SupernetImpl> chain_;
  std::vector<std::vector<int64_t>> masks_;  // empty: every option allowed
};

}  // namespace torchnas
