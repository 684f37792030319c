// A chain supernet (ProxylessNAS style): fixed stem blocks, then edges each holding a mixed op (with
// an identity shortcut where the space says so), then fixed head blocks. Built from the resolved
// description TypeScript derives from a search-space description (lib/spaces).
#pragma once
#include <torch/torch.h>

#include "mixed/mixed_op.h"
#include "nets/model.h"
#include "nets/network_spec.h"

namespace torchnas {

struct EdgeSpec {
  std::vector<BlockSpec> candidates;
  // The edge keeps its shape: MBConv candidates output x + op(x) and Zero outputs x (skips the
  // block), as their derived blocks do. MBConv candidates are built without their own residual
  // (BlockSpec::residual false) and the mixed op adds the input once (mixed/mixed_op.h).
  bool shortcut = false;
};

struct SupernetSpec {
  int64_t in_channels = 0;
  int64_t classes = 0;
  std::vector<BlockSpec> stem;
  std::vector<EdgeSpec> edges;
  std::vector<BlockSpec> head;
};

class SupernetImpl : public Model {
 public:
  SupernetImpl(const SupernetSpec& spec, torch::Device device, torch::ScalarType dtype = torch::kFloat32);

  // One step's forward: `path` has one choice per edge.
  torch::Tensor forward(const torch::Tensor& x, const std::vector<EdgeChoice>& path, GateMode mode,
                        const ExecutionConfig& exec);
  // Every edge's output is sum_j weights[e][j] * (edge output with candidate j) (weight-0 candidates
  // do not run): the reference the binarized gate's gradient is checked against.
  torch::Tensor ForwardMixture(const torch::Tensor& x, const std::vector<std::vector<double>>& weights);
  // Model::forward: the derived (argmax) network, for evaluation.
  torch::Tensor forward(const torch::Tensor& x) override;

  int64_t edges() const { return static_cast<int64_t>(mixed_.size()); }
  int64_t candidates(int64_t edge) const { return mixed_[static_cast<size_t>(edge)]->size(); }
  // Architecture logits, one vector per edge; kept out of parameters() so weight optimizers never see them.
  std::vector<torch::Tensor>& alphas() { return alphas_; }
  std::vector<torch::Tensor> ReplicatedState() override { return alphas_; }
  bool IsPathSupernet() const override { return true; }
  std::vector<int64_t> Argmax() const;
  bool IsZero(int64_t edge, int64_t candidate) const {
    return spec_.edges[static_cast<size_t>(edge)].candidates[static_cast<size_t>(candidate)].kind ==
           BlockKind::kZero;
  }

 private:
  SupernetSpec spec_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<MixedOp> mixed_;
  torch::nn::Sequential head_{nullptr};
  std::vector<torch::Tensor> alphas_;
};

}  // namespace torchnas
