// Pi-NAS (Peng et al., ICCV 2021) on the NAS-Bench-201 supernet, as a session extension, following the
// official code (Ernie1/Pi-NAS, a MoCo v2 variant). Each step draws two paths that differ on every
// edge (A, B) and four augmented views of the batch; the student runs A on view 1 and B on view 3, an
// EMA teacher (momentum 0.999, updated along each path just before it runs) runs A on view 2 and B on
// view 4; the loss crosses the paths, InfoNCE(q_A, k_B) + InfoNCE(q_B, k_A) against a queue of past
// keys (temperature 0.2), and the queue takes the mean of the two keys. A projector (pooled features
// -> hidden -> 128, no BatchNorm) is a `projector` module of the supernet, so the session's optimizer
// and checkpoint hold it; the teacher and the queue are this extension's checkpoint part. The
// supervised variant adds both paths' cross-entropy on the labels.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "spaces/nb201_supernet.h"
#include "train/session.h"

namespace torchnas {

struct PiNasSpec {
  double momentum = 0.999;  // the teacher's EMA
  double temperature = 0.2;
  int64_t queue_size = 4096;
  int64_t projection_dim = 128;
  bool supervised = false;
  double min_crop = 0.2;  // RandomResizedCrop's smallest area fraction
  void Check() const;
};

struct PiNasEpochStats {
  EpochStats weights;        // loss: the step's whole loss; top1: the student's classifier on path A
  double contrastive = 0.0;  // mean of the two InfoNCE terms' sum
  double positive = 0.0;     // mean cosine of the crossed positives (student A with teacher B, ...)
};

class PiNasTraining : public SessionExtension {
 public:
  PiNasTraining(Session& session, std::shared_ptr<Nb201SupernetImpl> student,
                std::shared_ptr<Nb201SupernetImpl> teacher, PiNasSpec spec);
  static PiNasTraining& Of(Session& session);
  // The supernet with its projector, seeded; the teacher a copy of it; the queue drawn from the seed.
  static int64_t Build(Session& session, const Nb201Spec& network, const PiNasSpec& spec);

  PiNasEpochStats TrainEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                             int64_t progress_every, const ProgressFn& progress);
  // The two paths step `global_step` draws (what TrainEpoch uses at that step), for inspection.
  std::pair<std::vector<int64_t>, std::vector<int64_t>> PathsAt(int64_t global_step) const;
  // Per path: weighted k-nearest-neighbour top-1 (k, temperature 0.07, cosine on the path's pooled
  // features, batch statistics) of `query` against `reference`; running statistics left as they were.
  std::vector<double> KnnScores(std::shared_ptr<const DatasetView> reference,
                                std::shared_ptr<const DatasetView> query, LoaderOptions loader,
                                const std::vector<std::vector<int64_t>>& paths, int64_t k);

  void Save(torch::serialize::OutputArchive& root) const override;
  void Load(torch::serialize::InputArchive& root) override;

 private:
  // Projected and L2-normalised features of `net` on `path`; `logits` gets its classifier's output.
  torch::Tensor Embed(Nb201SupernetImpl& net, const torch::Tensor& x, const std::vector<int64_t>& path,
                      torch::Tensor* logits);
  // teacher = m teacher + (1 - m) student on the shared parameters and on `path`'s operations.
  void UpdateTeacher(const std::vector<int64_t>& path);
  torch::Tensor InfoNce(const torch::Tensor& q, const torch::Tensor& k) const;
  void Enqueue(const torch::Tensor& keys);

  Session& session_;
  std::shared_ptr<Nb201SupernetImpl> student_, teacher_;
  PiNasSpec spec_;
  // Per parameter (student and teacher in the same order): its edge and operation, or -1 if shared.
  std::vector<std::pair<int64_t, int64_t>> owner_;
  torch::Tensor queue_;  // [dim, K] normalised keys
  int64_t queue_ptr_ = 0;
};

// Four independent views of a batch: RandomResizedCrop (area >= min_crop, ratio 3/4..4/3) back to the
// input size, horizontal flip with p 0.5, contrast and brightness jitter (0.4) with p 0.8.
std::vector<torch::Tensor> AugmentedViews(const torch::Tensor& x, int64_t count, double min_crop,
                                          uint64_t seed);

}  // namespace torchnas
