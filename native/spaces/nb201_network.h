// A NAS-Bench-201 network for CIFAR-sized images (the benchmark's TinyNetwork): a 3x3 conv stem with
// BatchNorm to C channels, three stages of N cells at C, 2C and 4C channels joined by stride-2
// residual blocks, then BatchNorm + ReLU, global average pooling and a linear classifier. With the
// defaults (C = 16, N = 5, 10 classes) its parameters are the benchmark's CIFAR-10 figures.
#pragma once
#include <torch/torch.h>

#include "nets/model.h"
#include "spaces/nb201_cell.h"

namespace torchnas {

struct Nb201Spec {
  Nb201Ops ops{};
  int64_t classes = 10;
  int64_t channels = 16;        // C, the first stage's width
  int64_t cells_per_stage = 5;  // N
  int64_t in_channels = 3;
};

class Nb201NetworkImpl : public Model {
 public:
  explicit Nb201NetworkImpl(const Nb201Spec& spec);
  torch::Tensor forward(const torch::Tensor& x) override;
  // After the final BatchNorm + ReLU, before global pooling.
  torch::Tensor ForwardFeatures(const torch::Tensor& x) override;
  // The classifier on globally pooled features [B, 4C].
  torch::Tensor Classify(const torch::Tensor& pooled) { return classifier_->forward(pooled); }

 protected:
  // The skeleton with `make_cell(width)` in every cell slot (the weight-sharing supernet's cells).
  using CellFactory = std::function<torch::nn::AnyModule(int64_t width)>;
  Nb201NetworkImpl(const Nb201Spec& spec, const CellFactory& make_cell);
  // Entry i of the cell list: a cell, or a stride-2 residual block between stages.
  virtual torch::Tensor RunCell(size_t i, const torch::Tensor& h) { return cell_ops_[i].forward(h); }
  const std::vector<torch::nn::AnyModule>& cell_list() const { return cell_ops_; }
  bool is_cell(size_t i) const { return is_cell_[i]; }

 private:
  Nb201Spec spec_;
  std::vector<bool> is_cell_;
  torch::nn::Sequential stem_{nullptr};
  torch::nn::ModuleList cells_{nullptr};
  std::vector<torch::nn::AnyModule> cell_ops_;  // the same modules, callable
  torch::nn::BatchNorm2d lastact_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};

std::shared_ptr<Nb201NetworkImpl> BuildNb201Network(const Nb201Spec& spec);

}  // namespace torchnas
