#include "spaces/nb201_cell.h"

#include "common/error.h"
#include "ops/relu_conv_bn.h"
#include "ops/shape_ops.h"

namespace torchnas {
namespace {

constexpr std::array<std::pair<int, int>, 6> kEdges{{{1, 0}, {2, 0}, {2, 1}, {3, 0}, {3, 1}, {3, 2}}};

}  // namespace

int64_t Nb201EdgeSource(size_t e) { return kEdges.at(e).second; }

torch::nn::AnyModule MakeNb201EdgeOp(Nb201Op op, int64_t channels, bool affine) {
  switch (op) {
    case Nb201Op::kNone:
      return torch::nn::AnyModule(Zero(channels, 1));
    case Nb201Op::kSkipConnect:
      return torch::nn::AnyModule(Identity());
    case Nb201Op::kConv1x1:
      return torch::nn::AnyModule(ReluConvBn(ReluConvBnOptions(channels, channels, 1).affine(affine)));
    case Nb201Op::kConv3x3:
      return torch::nn::AnyModule(ReluConvBn(ReluConvBnOptions(channels, channels, 3).affine(affine)));
    case Nb201Op::kAvgPool3x3:
      return torch::nn::AnyModule(Pool2d(PoolKind::kAverage, 3, 1));
  }
  Fail(codes::kInvalidArgument, "unknown NB201 op");
}

Nb201Op ParseNb201Op(const std::string& name) {
  if (name == "none") return Nb201Op::kNone;
  if (name == "skip_connect") return Nb201Op::kSkipConnect;
  if (name == "nor_conv_1x1") return Nb201Op::kConv1x1;
  if (name == "nor_conv_3x3") return Nb201Op::kConv3x3;
  if (name == "avg_pool_3x3") return Nb201Op::kAvgPool3x3;
  Fail(codes::kInvalidArgument,
       "unknown NB201 op '" + name +
           "' (known: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)");
}

Nb201CellImpl::Nb201CellImpl(const Nb201Ops& ops, int64_t channels, bool affine)
    : ops_(ops), channels_(channels), affine_(affine) {
  reset();
}

void Nb201CellImpl::reset() {
  edges_ = register_module("edges", torch::nn::ModuleList());
  edge_ops_.clear();
  for (Nb201Op op : ops_) {
    edge_ops_.push_back(MakeNb201EdgeOp(op, channels_, affine_));
    edges_->push_back(edge_ops_.back().ptr());
  }
}

torch::Tensor Nb201CellImpl::forward(const torch::Tensor& x) {
  return Nb201CellForward(x, ops_,
                          [this](size_t e, const torch::Tensor& h) { return edge_ops_[e].forward(h); });
}

torch::Tensor Nb201CellForward(const torch::Tensor& x, const Nb201Ops& ops,
                               const std::function<torch::Tensor(size_t, const torch::Tensor&)>& run_edge) {
  std::array<torch::Tensor, 4> nodes{x};
  for (size_t e = 0; e < kEdges.size(); ++e) {
    const auto [to, from] = kEdges[e];
    // A node is complete once the first edge into the next node comes up; a node that got no input
    // (all its edges `none`) is zero.
    if (!nodes[from].defined()) nodes[from] = torch::zeros_like(x);
    // A `none` edge adds zeros: skip it.
    if (ops[e] == Nb201Op::kNone) continue;
    torch::Tensor y = run_edge(e, nodes[from]);
    nodes[to] = nodes[to].defined() ? nodes[to] + y : y;
  }
  return nodes[3].defined() ? nodes[3] : torch::zeros_like(x);
}

}  // namespace torchnas
