// The one-shot elastic supernet on a session (train/elastic_training.cc): training steps over several
// subnets under a sampling rule (uniform, sandwich, AttentiveNAS's BestUp/WorstUp, ShiftNAS),
// subnet scoring after BN recalibration, subnets taken out as standalone networks, and ShiftNAS's
// generator and bins (train/elastic_shiftnas.cc).
#pragma once
#include "search/subnet_sampler.h"
#include "spaces/elastic_net.h"
#include "train/session.h"

namespace torchnas {

// ShiftNAS state (search/shift_nas.h), declared only here so that its header stays out of every file.
class ShiftNas;
struct ShiftNasSpec;
struct ShiftNasStatus;

class ElasticTraining : public SessionExtension {
 public:
  ElasticTraining(Session& session, std::shared_ptr<ElasticNetImpl> net);
  ~ElasticTraining() override;
  // The session's elastic training; E_STATE unless its model is an elastic supernet.
  static ElasticTraining& Of(Session& session);
  static int64_t Build(Session& session, const ElasticSpec& spec);

  // One native call per epoch, one optimizer step per batch over several subnets.
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

  // ShiftNAS: bins, generator and beta; the `shiftnas` rule of SupernetEpoch then trains generated
  // subnets and moves beta on batches of `valid`.
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

  void Save(torch::serialize::OutputArchive& root) const override;
  void Load(torch::serialize::InputArchive& root) override;

 private:
  std::pair<torch::Tensor, torch::Tensor> SupernetStep(const torch::Tensor& x, const torch::Tensor& y,
                                                       const SamplerSpec& sampler, SeededRandom& rng);
  std::vector<double> CandidateLosses(const torch::Tensor& x, const torch::Tensor& y,
                                      const std::vector<ElasticChoice>& candidates, bool in_step = false);
  ShiftNas& RequireShiftNas();
  // A generated subnet's logits through the masked supernet, and its resource loss.
  std::pair<torch::Tensor, torch::Tensor> GeneratedForward(const torch::Tensor& x, SeededRandom& rng);
  // The resource loss of extra generated samples and the generator's optimizer step, then (every
  // shift_every steps from shift_start) beta's update from one held-out batch and the training batch.
  void ShiftNasAfterStep(const torch::Tensor& x, const torch::Tensor& y);
  void ShiftBins(const torch::Tensor& x, const torch::Tensor& y);
  void StartShiftNasEpoch(int64_t epoch);

  Session& session_;
  std::shared_ptr<ElasticNetImpl> net_;
  std::shared_ptr<ShiftNas> shiftnas_;  // set by ConfigureShiftNas
  std::shared_ptr<const DatasetView> shift_valid_;
  LoaderOptions shift_valid_loader_;
};

}  // namespace torchnas
