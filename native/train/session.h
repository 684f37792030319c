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
#include "search/arch_trainer.h"
#include "search/gradient_matching.h"
#include "search/subnet_sampler.h"
#include "spaces/elastic_net.h"
#include "spaces/nb201_network.h"
#include "spaces/nb201_supernet.h"
#include "spaces/supernet.h"
#include "train/optimizer.h"

namespace torchnas {

// ShiftNAS state (search/shift_nas.h), declared only here so that its header stays out of every file.
class ShiftNas;
struct ShiftNasSpec;
struct ShiftNasStatus;
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

struct ProxyRequest {
  std::vector<std::string> proxies;
  ImageShape input;      // the shape the model takes; dataset images are fitted to it
  LoaderOptions loader;  // batch size, seed (batch choice, noise, labels), normalization
};

// GM-NAS's distance over batches (the reference's dist_avg): each batch's 1 - cos matrix of its
// vectors (one per option), averaged over the batches; row-major n x n (train/session_gm.cc).
std::vector<double> MeanCosineDistances(const std::vector<std::vector<torch::Tensor>>& batches);

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

class Session {
 public:
  explicit Session(SessionOptions options);
  ~Session();

  const SessionOptions& options() const { return options_; }
  int64_t global_step() const { return global_step_; }

  // Builds a fixed network on the session's device (seeded: the same seed gives the same weights).
  int64_t BuildNetwork(const NetworkSpec& spec);
  // A NAS-Bench-201 cell network, seeded the same way.
  int64_t BuildNb201(const Nb201Spec& spec);
  void ConfigureTraining(const OptimizerSpec& optimizer, const ScheduleSpec& schedule, const LossSpec& loss);

  EpochStats TrainEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader, int64_t progress_every,
                        const ProgressFn& progress);
  EvalStats Evaluate(std::shared_ptr<const DatasetView> data, LoaderOptions loader);
  // A supernet's paths on `data`: a path sampled from the architecture distribution for every batch
  // (`sampled`), or the argmax path. BatchNorm normalizes with each batch's statistics, as in the
  // architecture step: running statistics pooled over many paths fit none of them.
  EvalStats EvaluatePaths(std::shared_ptr<const DatasetView> data, LoaderOptions loader, bool sampled);

  // A supernet with one mixed op per edge; then ConfigureTraining (weights) and ConfigureSearch.
  int64_t BuildSupernet(const SupernetSpec& spec);
  void ConfigureSearch(const ArchSpec& spec);
  SearchEpochStats SearchEpoch(std::shared_ptr<const DatasetView> train,
                               std::shared_ptr<const DatasetView> valid, LoaderOptions train_loader,
                               LoaderOptions valid_loader, const SearchEpochOptions& options,
                               const ProgressFn& progress);
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

  // Weight-sharing supernets trained on one uniformly drawn path per step (RSPS) and split by
  // gradient matching (GM-NAS; train/session_gm.cc): the NB201 supernet, or a chain supernet from
  // buildSupernet. A path is one option index per decision (NB201: an op per edge).
  int64_t BuildNb201Supernet(const Nb201Spec& spec);
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

  // One-shot elastic supernet (spaces/elastic_net.h): build, train with a sampling rule (one native
  // call per epoch, one optimizer step per batch over several subnets), score subnets after BN
  // recalibration, and take a subnet's weights out as a standalone network.
  int64_t BuildElastic(const ElasticSpec& spec);
  EpochStats SupernetEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                           const SamplerSpec& sampler, int64_t progress_every, const ProgressFn& progress);
  // Per subnet: BatchNorm statistics recalibrated on `calib_batches` batches of `calib` (the same
  // batches for every subnet), then evaluated on `valid` in eval mode.
  std::vector<EvalStats> ScoreSubnets(const std::vector<ElasticChoice>& subnets,
                                      std::shared_ptr<const DatasetView> calib, LoaderOptions calib_loader,
                                      int64_t calib_batches, std::shared_ptr<const DatasetView> valid,
                                      LoaderOptions valid_loader,
                                      const std::function<void(size_t)>& progress);
  void RecalibrateBatchNorm(const ElasticChoice& subnet, std::shared_ptr<const DatasetView> calib,
                            LoaderOptions loader, int64_t batches);
  // The subnet's tensors under the standalone network's names (nets/network.cc).
  NamedTensors SubnetTensors(const ElasticChoice& subnet);
  // Builds the standalone network `spec` (the subnet's architecture), copies the subnet's tensors
  // into it, and writes it as a checkpoint that LoadWeights (train --init) reads.
  int64_t ExportSubnet(const ElasticChoice& subnet, const NetworkSpec& spec, const std::string& path);
  // ProbeLoss on one subnet; gradients under the standalone network's names. `masked`: through the
  // relaxed supernet (ForwardMasked) with the subnet's exact one-hot decisions.
  LossProbe ProbeSubnet(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                        const ElasticChoice& subnet, bool masked = false);
  // AttentiveNAS's choice among candidates on the first batch of `data`: each one's loss (no
  // gradient, batch statistics, running statistics untouched) and the index of the lowest (or highest).
  std::pair<std::vector<double>, int64_t> AttentivePick(std::shared_ptr<const DatasetView> data,
                                                        LoaderOptions loader,
                                                        const std::vector<ElasticChoice>& candidates,
                                                        bool worst);
  void ReorderChannels();
  // Subnets as the training step draws them (uniform, or near a MACs target from the pool), for
  // checking the samplers' frequencies.
  std::vector<ElasticChoice> SampleSubnets(const SamplerSpec& sampler, int64_t count, uint64_t seed);
  // ShiftNAS on the elastic supernet (train/session_shiftnas.cc): bins, generator and beta; the
  // `shiftnas` rule of SupernetEpoch then trains generated subnets and moves beta on batches of `valid`.
  void ConfigureShiftNas(const ShiftNasSpec& spec, std::shared_ptr<const DatasetView> valid,
                         LoaderOptions valid_loader);
  ShiftNasStatus TakeShiftNasStatus();
  // The generator's argmax subnet for each target cost, with its cost under the cost model.
  std::vector<std::pair<ElasticChoice, double>> GenerateSubnets(const std::vector<double>& targets);
  // The generator trained alone on the resource loss (targets uniform over the cost range); returns
  // the mean relative cost error of the last batch of samples.
  double PretrainGenerator(int64_t steps, int64_t batch, uint64_t seed);
  // On the first batch of `data`: the task loss through the masked supernet with the generator's
  // relaxed (soft) sample for `target` (Gumbel noise from `seed`) plus the resource loss; its
  // derivative along a seeded random direction in the generator's parameters, by autograd and by
  // central finite differences.
  std::pair<double, double> GeneratorGradientCheck(std::shared_ptr<const DatasetView> data,
                                                   LoaderOptions loader, double target, uint64_t seed,
                                                   double epsilon);
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

  // Writes model, optimizer and step to `path` atomically (temporary file, fsync, rename).
  void SaveCheckpoint(const std::string& path);
  void LoadCheckpoint(const std::string& path);

  // Parameters and buffers by name, copied to CPU in `dtype`.
  std::vector<std::pair<std::string, torch::Tensor>> StateTensors(torch::ScalarType dtype = torch::kFloat32);
  // Sets every parameter and buffer by name; names must match the model's exactly, both ways.
  void SetStateTensors(const std::map<std::string, std::vector<double>>& values);
  // The first unshuffled batch of `data`, plain cross-entropy; `path` picks one candidate per edge
  // when the model is a supernet (empty for a fixed network).
  LossProbe ProbeLoss(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                      const std::vector<int64_t>& path);

 private:
  Model& RequireModel();
  // Makes `model` the session's model on its device; training and search state start over.
  int64_t InstallModel(std::shared_ptr<Model> model);
  torch::optim::Optimizer& RequireOptimizer();
  torch::Tensor Loss(const torch::Tensor& logits, const torch::Tensor& labels) const;
  EvalStats EvaluateWith(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                         const std::function<torch::Tensor(const torch::Tensor&)>& forward);
  EpochStats RunEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader, int64_t progress_every,
                      const ProgressFn& progress, const EpochHooks& hooks);
  SupernetImpl& RequireSupernet();
  ElasticNetImpl& RequireElastic();
  std::pair<torch::Tensor, torch::Tensor> SupernetStep(const torch::Tensor& x, const torch::Tensor& y,
                                                       const SamplerSpec& sampler, SeededRandom& rng);
  ShiftNas& RequireShiftNas();
  // A generated subnet's logits through the masked supernet, and its resource loss.
  std::pair<torch::Tensor, torch::Tensor> GeneratedForward(const torch::Tensor& x, SeededRandom& rng);
  // The resource loss of extra generated samples and the generator's optimizer step, then (every
  // shift_every steps from shift_start) beta's update from one held-out batch and the training batch.
  void ShiftNasAfterStep(const torch::Tensor& x, const torch::Tensor& y);
  void ShiftBins(const torch::Tensor& x, const torch::Tensor& y);
  void StartShiftNasEpoch(int64_t epoch);
  std::vector<double> CandidateLosses(const torch::Tensor& x, const torch::Tensor& y,
                                      const std::vector<ElasticChoice>& candidates, bool in_step = false);
  LossProbe ProbeWith(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                      const std::function<torch::Tensor(const torch::Tensor&)>& forward);
  ArchTrainer& RequireArchTrainer();
  // One optimizer step on the weights: schedule, forward (autocast), loss, backward, step. Returns
  // the detached logits and loss.
  std::pair<torch::Tensor, torch::Tensor> WeightStep(
      const torch::Tensor& x, const torch::Tensor& y,
      const std::function<torch::Tensor(const torch::Tensor&)>& forward);

  // Path supernets (train/session_gm.cc): options per decision, one path's forward, a decision's own
  // parameters, a uniform draw inside the masks.
  std::vector<int64_t> PathOptionCounts() const;
  torch::Tensor ForwardPath(const torch::Tensor& x, const std::vector<int64_t>& path);
  std::vector<torch::Tensor> DecisionParameters(int64_t decision);
  std::vector<int64_t> DrawPath(SeededRandom& rng) const;
  void RequireInsideMasks(const std::vector<int64_t>& path) const;

  // Data parallelism and micro-batches (train/session_dist.cc).
  void AttachModelToGroup();
  void BeginWeightStep(bool overlap);
  void FinishWeightStep();
  std::vector<std::pair<torch::Tensor, torch::Tensor>> MicroBatches(const torch::Tensor& x,
                                                                    const torch::Tensor& y) const;
  void ShardLoader(LoaderOptions& loader) const;
  std::vector<double> SumOverRanks(const std::vector<double>& values) const;
  void RequireSingleProcess(const std::string& what) const;

  SessionOptions options_;
  std::shared_ptr<Communicator> comm_;
  std::unique_ptr<GradientBuckets> grad_buckets_;  // set while comm_ and a model are
  std::shared_ptr<Model> model_;
  std::shared_ptr<SupernetImpl> supernet_;             // set when model_ is a supernet
  std::shared_ptr<ElasticNetImpl> elastic_;            // set when model_ is an elastic supernet
  std::shared_ptr<Nb201SupernetImpl> nb201_supernet_;  // set when model_ is the NB201 supernet
  std::vector<std::vector<int64_t>> path_masks_;       // empty: every option allowed
  std::unique_ptr<ArchTrainer> arch_;
  std::shared_ptr<ShiftNas> shiftnas_;  // set by ConfigureShiftNas
  std::shared_ptr<const DatasetView> shift_valid_;
  LoaderOptions shift_valid_loader_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  OptimizerSpec optimizer_spec_;
  ScheduleSpec schedule_;
  LossSpec loss_;
  int64_t global_step_ = 0;
};

}  // namespace torchnas
