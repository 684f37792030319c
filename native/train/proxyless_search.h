// ProxylessNAS on a session (train/proxyless_search.cc): the chain supernet with one mixed op per
// edge, its architecture trainer (binarized gates or REINFORCE), the search epoch that interleaves
// weight and architecture steps, and the probes the gate-gradient checks use.
#pragma once
#include "search/arch_trainer.h"
#include "spaces/supernet.h"
#include "train/session.h"

namespace torchnas {

struct SearchEpochOptions {
  int64_t arch_every = 1;   // an architecture step after every k weight steps
  bool update_arch = true;  // false: warm-up epoch, weights only
  int64_t progress_every = 20;
};

struct SearchEpochStats {
  EpochStats weights;
  int64_t arch_steps = 0;
  double arch_seconds = 0.0;  // wall time of the architecture steps (device synchronized around each)
  double arch_loss = 0.0;
  double arch_top1 = 0.0;
  double expected_latency = 0.0;
  double entropy = 0.0;
};

class ProxylessSearch : public SessionExtension {
 public:
  ProxylessSearch(Session& session, std::shared_ptr<SupernetImpl> net);
  // The session's supernet search; E_STATE unless its model is a chain supernet.
  static ProxylessSearch& Of(Session& session);
  // A chain supernet, seeded, installed as the session's model; then configureTraining (weights)
  // and ConfigureSearch.
  static int64_t Build(Session& session, const SupernetSpec& spec);

  void ConfigureSearch(const ArchSpec& spec);
  SearchEpochStats SearchEpoch(std::shared_ptr<const DatasetView> train,
                               std::shared_ptr<const DatasetView> valid, LoaderOptions train_loader,
                               LoaderOptions valid_loader, const SearchEpochOptions& options,
                               const ProgressFn& progress);
  // The supernet's paths on `data`: a path sampled from the architecture distribution for every batch
  // (`sampled`), or the argmax path. BatchNorm normalizes with each batch's statistics, as in the
  // architecture step: running statistics pooled over many paths fit none of them.
  EvalStats EvaluatePaths(std::shared_ptr<const DatasetView> data, LoaderOptions loader, bool sampled);
  std::vector<std::vector<double>> ArchProbabilities();
  std::vector<int64_t> DerivedChoices();
  void SetArchLogits(const std::vector<std::vector<double>>& logits);
  std::vector<std::vector<double>> ArchLogits();
  // The architecture loss's cross-entropy (no latency term) on the first unshuffled batch, with
  // every edge's output the weighted sum of its candidates' outputs (plus the edge's shortcut): the
  // finite-difference reference for the binarized gate's gradient.
  double EdgeMixtureLoss(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                         const std::vector<std::vector<double>>& weights);
  // A REINFORCE update for given paths (one active candidate per edge) and rewards; returns the baseline.
  double ReinforceUpdate(const std::vector<std::vector<int64_t>>& paths, const std::vector<double>& rewards);
  double ArchReward(double accuracy, double latency);
  // The architecture gradient of one batch (the view's first, unshuffled) for an explicit path,
  // computed by the search's own architecture step without its update: per edge, dL/dg over the
  // members and dL/dalpha. For inspection and tests.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> ArchGradient(std::shared_ptr<const DatasetView> data,
                                                                    LoaderOptions loader,
                                                                    std::vector<EdgeChoice> path,
                                                                    GateMode mode);

  void Save(torch::serialize::OutputArchive& root) const override;
  void Load(torch::serialize::InputArchive& root) override;

 private:
  ArchTrainer& RequireArchTrainer();

  Session& session_;
  std::shared_ptr<SupernetImpl> net_;
  std::unique_ptr<ArchTrainer> arch_;  // set by ConfigureSearch
};

}  // namespace torchnas
