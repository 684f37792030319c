// DARTS (Liu et al., ICLR 2019) on the NAS-Bench-201 supernet, as a session extension: architecture
// logits alpha [6 edges, 5 ops], every edge the softmax(alpha)-weighted sum of its operations. Each
// step first moves alpha by Adam on the validation loss of a held-out batch (first order: at the
// current weights; second order: at the weights after one virtual SGD step on the training batch,
// w' = w - xi grad_w L_train, with the Hessian-vector product by central differences as in the
// paper), then takes the session's weight step on the training batch with alpha fixed. The cells'
// BatchNorm layers have no affine parameters, as in NAS-Bench-201's DARTS.
#pragma once
#include <torch/torch.h>

#include <memory>
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
  void Check() const;
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
  std::vector<std::vector<double>> ArchGradient(std::shared_ptr<const DatasetView> train,
                                                std::shared_ptr<const DatasetView> valid,
                                                LoaderOptions loader);
  // Second order's objective at `alphas`: L_val(w - xi grad_w L_train(w, alphas), alphas) on the
  // same two batches, for finite differences; the model is left as it was.
  double UnrolledValidLoss(std::shared_ptr<const DatasetView> train, std::shared_ptr<const DatasetView> valid,
                           LoaderOptions loader, const std::vector<std::vector<double>>& alphas);
  std::vector<std::vector<double>> Alphas() const;
  void SetAlphas(const std::vector<std::vector<double>>& alphas);
  // The cell: per edge the operation of the largest alpha (`none` included, as NAS-Bench-201's DARTS).
  std::vector<int64_t> Derive() const;

  void Save(torch::serialize::OutputArchive& root) const override;
  void Load(torch::serialize::InputArchive& root) override;

 private:
  torch::Tensor ValidLoss(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& mixture);
  // d L_val / d alpha for one pair of batches (first or second order).
  torch::Tensor AlphaGradient(const torch::Tensor& xt, const torch::Tensor& yt, const torch::Tensor& xv,
                              const torch::Tensor& yv, double* valid_loss, double* valid_top1);
  std::vector<torch::Tensor> Weights();
  // Makes softmax(alpha), detached, the mixture the model's plain forward runs (evaluation, probes).
  void Publish();

  Session& session_;
  std::shared_ptr<Nb201SupernetImpl> net_;
  DartsSpec spec_;
  torch::Tensor alphas_;  // [6, 5], the parameters' dtype, on the session's device
  std::unique_ptr<torch::optim::Adam> arch_optimizer_;
};

}  // namespace torchnas
