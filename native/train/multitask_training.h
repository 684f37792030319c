// FBNetV5's search on the multi-resolution supernet, as a session extension: per task, independent
// keep-probabilities over the blocks; per step one shared mask from the tasks' proposal, one forward
// with every task's head, each task's loss weighted by its importance weight, one weight update, and
// one REINFORCE update of every task's distribution. The cost of a step is flat in the task count
// (only the heads add). The naive mode draws one mask per task from its own distribution and runs one
// forward per task; the fixed mode trains a derived network (no search). The weights train with the
// session's optimizer and schedule, and the distributions go into the session's checkpoints.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "data/multitask_canvas.h"
#include "search/fbnetv5_estimator.h"
#include "spaces/multires_net.h"
#include "train/session.h"

namespace torchnas {

enum class MultitaskMode { kImportance, kNaive, kFixed };
MultitaskMode ParseMultitaskMode(const std::string& name);

struct MultitaskSpec {
  MultiresSpec space;
  std::vector<TaskHead> tasks;       // the searched (or trained) tasks, in distribution order
  std::vector<double> task_weights;  // loss weight per task
  MultitaskMode mode = MultitaskMode::kImportance;
  // Cost term, per task: MACs(m) = fixed_macs[t] + sum of block_macs over the kept blocks; the reward
  // (a loss) adds cost_weight * |MACs(m) / target_macs[t] - 1|, two-sided so that the distribution
  // settles at the target instead of anywhere under it (0 target: no cost term).
  std::vector<double> block_macs;
  std::vector<double> fixed_macs;
  std::vector<double> target_macs;
  double cost_weight = 1.0;
  double arch_lr = 0.05;
  double baseline_decay = 0.9;  // EMA of the reward (baseline) and of |advantage| (its scale)
  double weight_clip = 5.0;     // importance weights, self-normalized by their running mean, clipped
  double proposal_floor = 0.05;
  int64_t warmup_steps = 0;  // weights only; masks drawn with probability 1/2 per block
  void Check() const;
};

struct MultitaskStepStats {
  int64_t steps = 0;
  double seconds = 0.0;
  std::vector<double> loss;         // per task, mean over the steps
  std::vector<double> weight;       // per task, mean importance weight used (after normalization and clip)
  std::vector<double> kept_blocks;  // per task in naive mode (the shared mask's otherwise), mean
};

struct MultitaskEval {
  int64_t images = 0;
  int64_t correct = 0;       // classification
  torch::Tensor confusion;   // segmentation, int64 [C + 1, C + 1], rows = truth
  torch::Tensor detections;  // rows (image, x0, y0, x1, y1, score, class)
  torch::Tensor truths;      // rows (image, x0, y0, x1, y1, class)
};

class MultitaskTraining : public SessionExtension {
 public:
  MultitaskTraining(Session& session, std::shared_ptr<MultiresNetImpl> net, MultitaskSpec spec);
  // The session's multitask training; E_STATE unless buildMultitask installed it.
  static MultitaskTraining& Of(Session& session);
  // The supernet (or the derived network `spec.space.present` names), seeded, installed as the
  // session's model with its search state; configureTraining follows. CPU, float32, one process.
  static int64_t Build(Session& session, MultitaskSpec spec);

  // One pass over the loader (or `max_steps` of it, when positive) on the session's loop.
  MultitaskStepStats TrainEpoch(CanvasLoader& loader, int64_t max_steps, int64_t progress_every,
                                const ProgressFn& progress);
  // Eval mode; `keep` selects the supernet's blocks (empty: every present block).
  MultitaskEval Evaluate(CanvasLoader& loader, const Mask& keep);
  std::vector<std::vector<double>> KeepProbabilities() const;
  void SetLogits(const std::vector<std::vector<double>>& logits);
  const MultitaskSpec& spec() const { return spec_; }

  void Save(torch::serialize::OutputArchive& root) const override;
  void Load(torch::serialize::InputArchive& root) override;

 private:
  void Step(const CanvasBatch& batch, int64_t step, MultitaskStepStats& stats);
  void ImportanceStep(const CanvasBatch& batch, int64_t step, MultitaskStepStats& stats);
  void NaiveStep(const CanvasBatch& batch, int64_t step, MultitaskStepStats& stats);
  void FixedStep(const CanvasBatch& batch, int64_t step, MultitaskStepStats& stats);
  std::vector<double> WeightedStep(const CanvasBatch& batch, const Mask& mask, int64_t step,
                                   const std::vector<double>& weight);
  Mask DrawMask(const std::vector<double>& q, uint64_t stream) const;
  double Reward(size_t task, double loss, const Mask& mask) const;
  void UpdateDistribution(size_t task, const Mask& mask, double reward, double weight);
  bool Searching(int64_t step) const {
    return spec_.mode != MultitaskMode::kFixed && step >= spec_.warmup_steps;
  }

  Session& session_;
  std::shared_ptr<MultiresNetImpl> net_;
  MultitaskSpec spec_;
  uint64_t seed_;
  torch::Tensor logits_;       // double [T, B]
  torch::Tensor baseline_;     // double [T]; NaN until the first reward
  torch::Tensor scale_;        // double [T]: EMA of |advantage|
  torch::Tensor weight_mean_;  // double [T]: EMA of the raw importance weight
};

}  // namespace torchnas
