// Training and prediction of ParZC's predictor (predictors/parzc_net.h) as a session extension: the
// session holds the predictor as its model, with its optimizer, schedule and checkpoints; an epoch
// visits the given rows in a seeded order in batches and steps on the differentiable Kendall loss of
// each batch, as the reference (pprp/PicoNAS, exps/runner/runner_pinat_rank.py) trains it.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <utility>
#include <vector>

#include "predictors/parzc_net.h"
#include "train/session.h"

namespace torchnas {

// ParZC's DiffKendall (pprp/PicoNAS, piconas/core/losses/diffkd.py): over every ordered pair i != j,
// (sigmoid(a dx) - sigmoid(-a dx)) (sigmoid(a dy) - sigmoid(-a dy)) = tanh(a dx / 2) tanh(a dy / 2),
// summed and divided by the n (n - 1) / 2 unordered pairs (so in [-2, 2]); the loss is its negative.
torch::Tensor DiffKendallLoss(const torch::Tensor& scores, const torch::Tensor& targets, double alpha);

struct ParzcPrediction {
  std::vector<double> mean, std;  // over the weight-noise samples, per row
};

class ParzcTraining : public SessionExtension {
 public:
  ParzcTraining(Session& session, std::shared_ptr<ParzcNetImpl> net)
      : session_(session), net_(std::move(net)) {}
  static ParzcTraining& Of(Session& session);
  // The predictor as the session's model, built from the session's seed; returns its parameter count.
  static int64_t Build(Session& session, ParzcSpec spec);

  // One pass over `rows` [N, zc + edges] in an order drawn from the session's seed and `epoch`, in
  // batches of `batch_size`; a last batch of one row has no pair and is dropped. Weight noise is
  // drawn from the same seed and epoch, so a resumed run repeats the epoch exactly.
  EpochStats TrainEpoch(const torch::Tensor& rows, const torch::Tensor& targets, int64_t batch_size,
                        double alpha, int64_t epoch, int64_t progress_every, const ProgressFn& progress);
  // `samples` forwards of every row with dropout off and weight noise drawn from `seed`.
  ParzcPrediction Predict(const torch::Tensor& rows, int64_t samples, uint64_t seed);

 private:
  Session& session_;
  std::shared_ptr<ParzcNetImpl> net_;
};

}  // namespace torchnas
