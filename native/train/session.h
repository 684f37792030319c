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
#include "latency/profiler.h"
#include "nets/model.h"
#include "nets/network_spec.h"
#include "proxies/proxy.h"
#include "spaces/nb201_network.h"
#include "train/optimizer.h"
#include "train/session_extension.h"

namespace torchnas {

// Data parallelism (dist/), declared only here for the same reason.
class Communicator;
class GradientBuckets;
struct DistOptions;

struct SessionOptions {
  ExecutionConfig exec;
  int64_t threads = 0;  // intra-op threads; 0 keeps LibTorch's choice
  uint64_t seed = 0;
  bool cudnn_benchmark = true;
  // Each batch runs as this many equal parts whose gradients are averaged (gradient accumulation;
  // the one-process counterpart of that many data-parallel ranks).
  int64_t micro_batches = 1;
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

struct ProxyRequest {
  std::vector<std::string> proxies;
  ImageShape input;      // the shape the model takes; dataset images are fitted to it
  LoaderOptions loader;  // batch size, seed (batch choice, noise, labels), normalization
};

// One batch through a model (a supernet on one path): eval-mode and train-mode logits, the loss of
// the train-mode pass, and the gradient of every parameter it reached.
struct LossProbe {
  torch::Tensor eval_logits;
  torch::Tensor train_logits;
  double loss = 0.0;
  std::vector<std::pair<std::string, torch::Tensor>> gradients;
  // Sum of squares of every parameter gradient of the model (a subnet probe maps only its slices).
  double gradient_square_sum = 0.0;
};

using ProgressRecord = std::vector<std::pair<std::string, double>>;
using ProgressFn = std::function<void(const ProgressRecord&)>;

// What varies between a training epoch and a search epoch: the forward of a weight step, work after
// each step (an architecture step), and extra progress fields.
struct EpochHooks {
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  // Replaces the single-forward weight step (a supernet step sums several subnets' losses).
  std::function<std::pair<torch::Tensor, torch::Tensor>(const torch::Tensor&, const torch::Tensor&)> step;
  std::function<void()> before_step;  // host draws shared by the step's micro-batches (a path)
  std::function<void(int64_t step)> after_step;
  std::function<void(ProgressRecord&)> extend_progress;
};

using MicroBatchList = std::vector<std::pair<torch::Tensor, torch::Tensor>>;

// The core every method shares: the model on its device, optimizer, schedule and loss, the epoch
// runner, evaluation, checkpoints and the process group. What one search family adds (its
// architecture parameters, samplers, generators, masks) lives in that family's extension
// (train/session_extension.h), made for the installed model and dropped with it.
class Session {
 public:
  explicit Session(SessionOptions options);
  ~Session();

  const SessionOptions& options() const { return options_; }
  const ExecutionConfig& exec() const { return options_.exec; }
  bool cancelled() const { return *options_.cancelled; }
  int64_t global_step() const { return global_step_; }

  // Builds a fixed network on the session's device (seeded: the same seed gives the same weights).
  int64_t BuildNetwork(const NetworkSpec& spec);
  // A NAS-Bench-201 cell network, seeded the same way.
  int64_t BuildNb201(const Nb201Spec& spec);
  // Makes `model` the session's model on its device; training state and extensions start over.
  int64_t InstallModel(std::shared_ptr<Model> model);
  void ConfigureTraining(const OptimizerSpec& optimizer, const ScheduleSpec& schedule, const LossSpec& loss);

  EpochStats TrainEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader, int64_t progress_every,
                        const ProgressFn& progress);
  EvalStats Evaluate(std::shared_ptr<const DatasetView> data, LoaderOptions loader);
  // Only the model's weights from a checkpoint (a fine-tuning start); optimizer and step stay fresh.
  void LoadWeights(const std::string& path);

  // Latency of single layers and of whole networks on the session's device, precision and memory
  // format; built fresh (seeded), independent of the session's model. `progress` gets the number
  // of layers done.
  std::vector<Profile> ProfileLayers(const std::vector<LayerProbe>& probes, ProfileOptions options,
                                     const std::function<void(size_t)>& progress);
  Profile ProfileNetwork(const NetworkSpec& spec, ProfileOptions options);

  // Zero-cost proxies of the current fixed network on one batch of `data` (null: Gaussian noise and
  // uniform labels). The model is left as it was: weights, statistics, mode, no gradients.
  std::vector<std::pair<std::string, ProxyResult>> ZeroCostProxies(std::shared_ptr<const DatasetView> data,
                                                                   const ProxyRequest& request);

  // Joins a data-parallel group (train/session_dist.cc): blocks until every rank has joined; the
  // model (now or later built) starts from rank 0's state and trains on this rank's data shard.
  void ConnectDistributed(const DistOptions& options);
  int64_t DistributedRank() const;
  int64_t DistributedWorld() const;
  void BarrierIfDistributed();

  // Writes model, optimizer, step and every extension's state to `path` atomically (temporary
  // file, fsync, rename).
  void SaveCheckpoint(const std::string& path);
  void LoadCheckpoint(const std::string& path);

  // Parameters and buffers by name, copied to CPU in `dtype`.
  std::vector<std::pair<std::string, torch::Tensor>> StateTensors(torch::ScalarType dtype = torch::kFloat32);
  // Sets every parameter and buffer by name; names must match the model's exactly, both ways.
  void SetStateTensors(const std::map<std::string, std::vector<double>>& values);
  // The first unshuffled batch of `data`, plain cross-entropy, through `forward` (the model's own
  // when null); the gradient of every model parameter it reached.
  LossProbe ProbeLoss(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                      const std::function<torch::Tensor(const torch::Tensor&)>& forward = nullptr);

  // ---- What extensions build on ----
  Model& RequireModel();
  std::shared_ptr<Model> model() const { return model_; }
  // The extension of type E for the installed model, made by `make` on first use.
  template <class E, class Make>
  E& Extension(Make&& make) {
    for (const auto& e : extensions_) {
      if (auto* found = dynamic_cast<E*>(e.get())) return *found;
    }
    std::shared_ptr<E> made = make();
    extensions_.push_back(made);
    return *made;
  }
  torch::Tensor Loss(const torch::Tensor& logits, const torch::Tensor& labels) const;
  double LearningRate() const;  // the schedule's rate at the current step
  // A fresh optimizer of the configured kind (its state belonged to an old parameter layout).
  void RestartOptimizer();
  EpochStats RunEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader, int64_t progress_every,
                      const ProgressFn& progress, const EpochHooks& hooks);
  // The frame of every training epoch, whatever its batches: the optimizer and the schedule's room
  // for `steps` steps checked, the model in training mode, then `step(i)` for i = 1.. after a
  // cancellation check each (it returns false when its batches ran out), and `report(i)` after every
  // `progress_every`-th step and the last.
  void RunSteps(int64_t steps, int64_t progress_every, const std::function<bool(int64_t)>& step,
                const std::function<void(int64_t)>& report);
  EvalStats EvaluateWith(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                         const std::function<torch::Tensor(const torch::Tensor&)>& forward);
  // One batch: eval-mode logits, then train-mode loss and backward; gradients are left in place.
  LossProbe ProbeWith(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                      const std::function<torch::Tensor(const torch::Tensor&)>& forward);
  // One optimizer step on the weights: schedule, forward (autocast), loss, backward, step. Returns
  // the detached logits and loss.
  std::pair<torch::Tensor, torch::Tensor> WeightStep(
      const torch::Tensor& x, const torch::Tensor& y,
      const std::function<torch::Tensor(const torch::Tensor&)>& forward);
  // The frame of every optimizer step: the learning rate set, gradients cleared, gradient
  // synchronization armed (overlapped with backward when `overlap` and one micro-batch), then
  // `accumulate` runs the backward passes over the batch's micro-batches, `before_update` (clipping)
  // and the update follow.
  void OptimizerStep(const torch::Tensor& x, const torch::Tensor& y, bool overlap,
                     const std::function<void(const MicroBatchList&)>& accumulate,
                     const std::function<void()>& before_update = nullptr);
  MicroBatchList MicroBatches(const torch::Tensor& x, const torch::Tensor& y) const;
  void ShardLoader(LoaderOptions& loader) const;
  std::vector<double> SumOverRanks(const std::vector<double>& values) const;
  // Averages tensors over the ranks in place (none without a group).
  void MeanOverRanks(const std::vector<torch::Tensor>& tensors) const;
  bool distributed() const { return comm_ != nullptr; }
  void RequireSingleProcess(const std::string& what) const;

 private:
  torch::optim::Optimizer& RequireOptimizer();

  // Data parallelism and micro-batches (train/session_dist.cc).
  void AttachModelToGroup();
  void BeginWeightStep(bool overlap);
  void FinishWeightStep();

  SessionOptions options_;
  std::shared_ptr<Communicator> comm_;
  std::unique_ptr<GradientBuckets> grad_buckets_;  // set while comm_ and a model are
  std::shared_ptr<Model> model_;
  std::vector<std::shared_ptr<SessionExtension>> extensions_;  // of model_, by family
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  OptimizerSpec optimizer_spec_;
  ScheduleSpec schedule_;
  LossSpec loss_;
  int64_t global_step_ = 0;
};

}  // namespace torchnas
