// The NAS-Bench-201 weight-sharing supernet (RSPS, GM-NAS): the benchmark's network skeleton with
// every cell holding all five operations on each of its six edges. One forward runs one path (one
// operation per edge, the same in every cell, as an NB201 architecture is one cell); the supernet on
// a path is the NB201 network of that architecture with the path's weights (the equivalence test).
// Parameter names: cells.<k>.edges.<e>.<op>.* where the network has cells.<k>.edges.<e>.*.
// DARTS runs it as a mixture instead: every edge the weighted sum of all its operations. EnTranNAS
// splits the cells: the first ones of each stage (Engine-cells) run that mixture, the others
// (Transit-cells) their own weights, running only the operations whose weight is not zero.
// With shared features (EnTranNAS's feature sharing) the operations belong to a cell's source nodes,
// not its edges: each operation runs once on a node and every edge out of the node weighs that output
// (parameters cells.<k>.sources.<node>.<op>.*), so a cell runs 3 x 5 operations instead of 6 x 5.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "spaces/nb201_network.h"

namespace torchnas {

class Nb201SuperCellImpl : public torch::nn::Module {
 public:
  Nb201SuperCellImpl(int64_t channels, bool affine, bool shared_features = false);
  torch::Tensor forward(const torch::Tensor& x, const Nb201Ops& ops);
  // Every edge the sum of its operations weighted by `weights` [6, 5] (DARTS's mixed edge).
  // With `active` [6, 5] (bool, CPU), only the operations it marks run: the rest weigh exactly 0.
  torch::Tensor ForwardMixed(const torch::Tensor& x, const torch::Tensor& weights,
                             const torch::Tensor& active = {});
  // Every parameter of edge e's operations (shared features: those of the edge's source node).
  std::vector<torch::Tensor> EdgeParameters(int64_t e);

 private:
  // Where edge e's operations live: ops_[Owner(e)].
  size_t Owner(size_t e) const { return shared_ ? static_cast<size_t>(Nb201EdgeSource(e)) : e; }

  bool shared_;
  torch::nn::ModuleList owners_{nullptr};               // edges.<e>.<op>, or sources.<node>.<op>
  std::vector<std::vector<torch::nn::AnyModule>> ops_;  // the same modules, callable
};
TORCH_MODULE(Nb201SuperCell);

class Nb201SupernetImpl : public Nb201NetworkImpl {
 public:
  // `affine_cells`: the cells' BatchNorm layers learn a scale and shift (RSPS); DARTS's have none.
  // `shared_features`: the cells' operations belong to their source nodes (EnTranNAS's feature sharing).
  explicit Nb201SupernetImpl(const Nb201Spec& spec, bool affine_cells = true, bool shared_features = false);
  // `path`: one operation index (Nb201Op order) per edge.
  torch::Tensor forward(const torch::Tensor& x, const std::vector<int64_t>& path);
  // The feature map before global pooling, on `path`.
  torch::Tensor ForwardFeatures(const torch::Tensor& x, const std::vector<int64_t>& path);
  // The mixture set by SetMixture; without one a supernet has no single network to run: E_STATE.
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor ForwardFeatures(const torch::Tensor& x) override;
  // Operation weights per edge [6, 5] for the plain forward (undefined: none); gradients flow to them.
  void SetMixture(torch::Tensor weights) { mixture_ = std::move(weights); }
  // EnTranNAS: all but the first `engine_cells` cells of each stage run `transit` [6, 5] instead of
  // the mixture, skipping its zero weights (undefined: every cell runs the mixture, as in DARTS).
  void SetTransit(torch::Tensor transit, int64_t engine_cells);
  bool IsPathSupernet() const override { return true; }
  std::vector<torch::Tensor> EdgeParameters(int64_t e);

 protected:
  torch::Tensor RunCell(size_t i, const torch::Tensor& h) override;

 private:
  bool IsTransit(size_t i) const;

  Nb201Ops path_{};               // the path of the forward in progress
  torch::Tensor mixture_;         // DARTS's edge weights; a path forward ignores them
  torch::Tensor transit_;         // EnTranNAS's Transit-cell weights (undefined: none)
  torch::Tensor transit_active_;  // transit_ != 0, on the CPU, set at each mixed forward
  int64_t engine_cells_ = 0;
  bool mixed_ = false;  // the forward in progress is the mixture
};

// The ops of a path of operation indices; E_INVALID_ARGUMENT unless six indices in [0, 5).
Nb201Ops Nb201PathOps(const std::vector<int64_t>& path);

}  // namespace torchnas
