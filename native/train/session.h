// The state a JS Session object drives from its worker thread: execution config, the model, its
// optimizer and schedule, and the step counter. Nothing here knows about Node-API.
#pragma once
#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/device.h"
#include "data/batch_loader.h"
#include "nets/model.h"
#include "nets/network_spec.h"
#include "train/optimizer.h"

namespace torchnas {

struct SessionOptions {
  ExecutionConfig exec;
  int64_t threads = 0;  // intra-op threads; 0 keeps LibTorch's choice
  uint64_t seed = 0;
  bool cudnn_benchmark = true;
  // Set from the JS thread when the session is dropped or the process exits: running work stops at
  // its next step.
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
};

struct LossSpec {
  double label_smoothing = 0.0;
};

struct EpochStats {
  int64_t steps = 0;
  int64_t images = 0;
  double loss = 0.0;
  double top1 = 0.0;
  double seconds = 0.0;
  double lr = 0.0;
};

struct EvalStats {
  int64_t images = 0;
  double loss = 0.0;
  double top1 = 0.0;
  double top5 = 0.0;
  double seconds = 0.0;
};

using ProgressFn = std::function<void(const std::vector<std::pair<std::string, double>>&)>;

class Session {
 public:
  explicit Session(SessionOptions options);

  const SessionOptions& options() const { return options_; }
  int64_t global_step() const { return global_step_; }

  // Builds a fixed network on the session's device (seeded: the same seed gives the same weights).
  int64_t BuildNetwork(const NetworkSpec& spec);
  void ConfigureTraining(const OptimizerSpec& optimizer, const ScheduleSpec& schedule, const LossSpec& loss);

  EpochStats TrainEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader, int64_t progress_every,
                        const ProgressFn& progress);
  EvalStats Evaluate(std::shared_ptr<const DatasetView> data, LoaderOptions loader);

  // Writes model, optimizer and step to `path` atomically (temporary file, fsync, rename).
  void SaveCheckpoint(const std::string& path);
  void LoadCheckpoint(const std::string& path);

  // Parameters and buffers by name, copied to CPU float32.
  std::vector<std::pair<std::string, torch::Tensor>> StateTensors();

 private:
  Model& RequireModel();
  torch::optim::Optimizer& RequireOptimizer();
  torch::Tensor Loss(const torch::Tensor& logits, const torch::Tensor& labels) const;

  SessionOptions options_;
  std::shared_ptr<Model> model_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  OptimizerSpec optimizer_spec_;
  ScheduleSpec schedule_;
  LossSpec loss_;
  int64_t global_step_ = 0;
};

}  // namespace torchnas
