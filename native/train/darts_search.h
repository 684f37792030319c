// DARTS (Liu et al., ICLR 2019) on the NAS-Bench-201 supernet, as a session extension: architecture
// logits alpha [6 edges, 5 ops], every edge the softmax(alpha)-weighted sum of its operations. Each
// step first moves alpha by Adam on the validation loss of a held-out batch (first order: at the
// current weights; second order: at the weights after one virtual SGD step on the training batch,
// w' = w - xi grad_w L_train, with the Hessian-vector product by central differences as in the
// paper), then takes the session's weight step on the training batch with alpha fixed. The cells'
// BatchNorm layers have no affine parameters, as in NAS-Bench-201's DARTS.
//
// EnTranNAS (Yang et al., CVPR 2021) is the same extension with `method` "entrannas": only the first
// `engine_cells` cells of each stage (Engine-cells) mix every operation; the others (Transit-cells)
// run the architecture derived so far and nothing else. Its derivation is "sparse" (differentiable
// sparsification: per edge w = relu(p - t) / sum, p = softmax(alpha), t = sigmoid(beta) / 5 with a
// learnable beta per edge, so the Engine-cells run w too and the derived cell is exactly theirs; the
// architecture loss adds `sparsity` x the l_1/2 quasi-norm of p, which favours one operation) or
// "top" (the Engine-cells mix softmax(alpha); the Transit-cells run the largest alpha's operation).
// It is first order, as in its paper. Its feature sharing (`feature_sharing`, on unless turned off) gives
// the operations to the cells' source nodes: each runs once per node for every edge leaving it.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "spaces/nb201_supernet.h"
#include "train/session.h"

namespace torchnas {

struct DartsSpec {
  int64_t order = 1;  // 1 or 2
  double arch_lr = 3e-4;
  double arch_weight_decay = 1e-3;
  double arch_beta1 = 0.5, arch_beta2 = 0.999;
  double grad_clip = 5.0;  // the weights' gradient norm, clipped before each update (0: none)
  // Second order: the weights move by this norm either way for the Hessian-vector product (the
  // paper's 0.01; smaller values make it exact where the loss is smooth, as the gradient check needs).
  double hessian_step = 0.01;
  std::string method = "darts";       // or "entrannas"
  int64_t engine_cells = 1;           // EnTranNAS: Engine-cells at the start of each stage
  std::string derivation = "sparse";  // EnTranNAS: "sparse" or "top"
  double sparsity = 0.05;             // EnTranNAS sparse: the weight of the sparsity term
  bool feature_sharing = false;       // EnTranNAS: operations per source node, not per edge
  bool Entran() const { return method == "entrannas"; }
  bool LearnsThresholds() const { return Entran() && derivation == "sparse"; }
  void Check() const;
};

// The architecture's gradient: per edge and operation, and per edge for EnTranNAS's thresholds.
struct ArchGradientRows {
  std::vector<std::vector<double>> alphas;
  std::vector<double> thresholds;  // empty unless the thresholds are learned
};

// The weights the cells run: the Engine-cells' and the Transit-cells' (undefined: DARTS, no Transit-cells).
struct CellWeights {
  torch::Tensor engine, transit;
};

struct DartsEpochStats {
  EpochStats weights;
  double arch_loss = 0.0;  // mean validation loss of the architecture steps
  double arch_top1 = 0.0;
};

class DartsSearch : public SessionExtension {
 public:
  DartsSearch(Session& session, std::shared_ptr<Nb201SupernetImpl> net, DartsSpec spec);
  static DartsSearch& Of(Session& session);
  // The supernet (non-affine cell BatchNorm), seeded, with alpha drawn as 1e-3 x N(0, 1) from the seed.
  static int64_t Build(Session& session, const Nb201Spec& network, const DartsSpec& spec);

  DartsEpochStats SearchEpoch(std::shared_ptr<const DatasetView> train,
                              std::shared_ptr<const DatasetView> valid, LoaderOptions train_loader,
                              LoaderOptions valid_loader, int64_t progress_every, const ProgressFn& progress);
  // The architecture gradient of the step on the first unshuffled batch of each part, without the
  // update; the model is left as it was (weights, running statistics, gradients).
  ArchGradientRows ArchGradient(std::shared_ptr<const DatasetView> train,
                                std::shared_ptr<const DatasetView> valid, LoaderOptions loader);
  // Second order's objective at `alphas`: L_val(w - xi grad_w L_train(w, alphas), alphas) on the
  // same two batches, for finite differences; the model is left as it was.
  double UnrolledValidLoss(std::shared_ptr<const DatasetView> train, std::shared_ptr<const DatasetView> valid,
                           LoaderOptions loader, const std::vector<std::vector<double>>& alphas,
                           const std::vector<double>& thresholds);
  // The memory format of the supernet's feature map (before pooling) on the first batch of `data`, in
  // eval mode: "channels_last", "nchw" or "strided". A channels_last session should keep it throughout.
  std::string FeatureLayout(std::shared_ptr<const DatasetView> data, LoaderOptions loader);
  std::vector<std::vector<double>> Alphas() const;
  // EnTranNAS's threshold logits beta, one per edge (empty unless learned).
  std::vector<double> Thresholds() const;
  // `thresholds` empty: unchanged.
  void SetAlphas(const std::vector<std::vector<double>>& alphas, const std::vector<double>& thresholds);
  // The weights the Engine-cells and the Transit-cells run now, [6][5] each (Transit: empty for DARTS).
  std::vector<std::vector<double>> EngineWeights() const;
  std::vector<std::vector<double>> TransitWeights() const;
  // The cell: per edge the operation of the largest alpha (`none` included, as NAS-Bench-201's DARTS).
  std::vector<int64_t> Derive() const;

  void Save(torch::serialize::OutputArchive& root) const override;
  void Load(torch::serialize::InputArchive& root) override;

 private:
  torch::Tensor ValidLoss(const torch::Tensor& x, const torch::Tensor& y, const CellWeights& weights);
  // What the cells run at these architecture parameters (differentiable in them).
  CellWeights WeightsAt(const torch::Tensor& alphas, const torch::Tensor& thresholds) const;
  void Install(const CellWeights& weights);
  // d L_val / d alpha (and d / d beta where learned, second) for one pair of batches.
  std::vector<torch::Tensor> AlphaGradient(const torch::Tensor& xt, const torch::Tensor& yt,
                                           const torch::Tensor& xv, const torch::Tensor& yv,
                                           double* valid_loss, double* valid_top1);
  std::vector<torch::Tensor> NetworkWeights();
  // Makes softmax(alpha), detached, the mixture the model's plain forward runs (evaluation, probes).
  void Publish();

  Session& session_;
  std::shared_ptr<Nb201SupernetImpl> net_;
  DartsSpec spec_;
  torch::Tensor alphas_;      // [6, 5], the parameters' dtype, on the session's device
  torch::Tensor thresholds_;  // [6], EnTranNAS's beta (zeros, not learned, unless LearnsThresholds)
  std::unique_ptr<torch::optim::Adam> arch_optimizer_;
};

}  // namespace torchnas
