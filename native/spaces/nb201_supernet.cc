#include "spaces/nb201_supernet.h"

#include "common/error.h"

namespace torchnas {

Nb201SuperCellImpl::Nb201SuperCellImpl(int64_t channels, bool affine, bool shared_features)
    : shared_(shared_features) {
  // Feature sharing: one set of operations per source node (nodes 0, 1 and 2 feed later nodes).
  const int64_t owners = shared_ ? Nb201EdgeSource(kNb201Edges - 1) + 1 : kNb201Edges;
  owners_ = register_module(shared_ ? "sources" : "edges", torch::nn::ModuleList());
  for (int64_t e = 0; e < owners; ++e) {
    torch::nn::ModuleList owner;
    ops_.emplace_back();
    for (int64_t op = 0; op < kNb201OpCount; ++op) {
      ops_.back().push_back(MakeNb201EdgeOp(static_cast<Nb201Op>(op), channels, affine));
      owner->push_back(ops_.back().back().ptr());
    }
    owners_->push_back(owner);
  }
}

torch::Tensor Nb201SuperCellImpl::forward(const torch::Tensor& x, const Nb201Ops& ops) {
  return Nb201CellForward(x, ops, [&](size_t e, const torch::Tensor& h) {
    return ops_[Owner(e)][static_cast<size_t>(ops[e])].forward(h);
  });
}

// Each owner's operation runs at most once, on the owner's node, and only if some edge it serves weighs it
// (per edge, that is the edge's own operations; with shared features, those of the edge's source node).
torch::Tensor Nb201SuperCellImpl::ForwardMixed(const torch::Tensor& x, const torch::Tensor& weights,
                                               const torch::Tensor& active) {
  const bool* runs = active.defined() ? active.data_ptr<bool>() : nullptr;
  const size_t n = static_cast<size_t>(kNb201OpCount);
  const auto weighs = [&](size_t e, size_t op) { return !runs || runs[e * n + op]; };
  std::vector<std::vector<torch::Tensor>> outputs(ops_.size());  // [owner][op]
  Nb201Ops every{};
  every.fill(Nb201Op::kSkipConnect);  // no edge skipped: a `none` weight is one of the mixture's
  return Nb201CellForward(x, every, [&](size_t e, const torch::Tensor& h) {
    const size_t owner = Owner(e);
    if (outputs[owner].empty()) {
      outputs[owner].resize(n);
      for (size_t op = 0; op < n; ++op)
        for (size_t served = 0; served < static_cast<size_t>(kNb201Edges); ++served)
          if (Owner(served) == owner && weighs(served, op)) {
            outputs[owner][op] = ops_[owner][op].forward(h);
            break;
          }
    }
    torch::Tensor sum;
    for (size_t op = 0; op < n; ++op) {
      if (!weighs(e, op)) continue;
      const torch::Tensor y = weights[static_cast<int64_t>(e)][static_cast<int64_t>(op)] * outputs[owner][op];
      sum = sum.defined() ? sum + y : y;
    }
    return sum.defined() ? sum : torch::zeros_like(h);  // an edge of no active operation adds nothing
  });
}

std::vector<torch::Tensor> Nb201SuperCellImpl::EdgeParameters(int64_t e) {
  return owners_[Owner(static_cast<size_t>(e))]->parameters();
}

Nb201SupernetImpl::Nb201SupernetImpl(const Nb201Spec& spec, bool affine_cells, bool shared_features)
    : Nb201NetworkImpl(spec, [affine_cells, shared_features](int64_t width) {
        return torch::nn::AnyModule(Nb201SuperCell(width, affine_cells, shared_features));
      }) {}

Nb201Ops Nb201PathOps(const std::vector<int64_t>& path) {
  Require(static_cast<int64_t>(path.size()) == kNb201Edges,
          "an NB201 path has one operation per edge (6), got " + std::to_string(path.size()));
  Nb201Ops ops{};
  for (size_t e = 0; e < path.size(); ++e) {
    Require(path[e] >= 0 && path[e] < kNb201OpCount,
            "NB201 operation index out of range [0, 5) on edge " + std::to_string(e));
    ops[e] = static_cast<Nb201Op>(path[e]);
  }
  return ops;
}

torch::Tensor Nb201SupernetImpl::forward(const torch::Tensor& x, const std::vector<int64_t>& path) {
  return Classify(ForwardFeatures(x, path).mean({2, 3}));
}

torch::Tensor Nb201SupernetImpl::ForwardFeatures(const torch::Tensor& x, const std::vector<int64_t>& path) {
  path_ = Nb201PathOps(path);
  mixed_ = false;
  return Nb201NetworkImpl::ForwardFeatures(x);
}

torch::Tensor Nb201SupernetImpl::forward(const torch::Tensor& x) {
  return Classify(ForwardFeatures(x).mean({2, 3}));
}

torch::Tensor Nb201SupernetImpl::ForwardFeatures(const torch::Tensor& x) {
  if (!mixture_.defined())
    Fail(codes::kState,
         "an NB201 supernet runs one path at a time: evaluate architectures, or build the network of one");
  Require(mixture_.dim() == 2 && mixture_.size(0) == kNb201Edges && mixture_.size(1) == kNb201OpCount,
          "an NB201 mixture has one weight per edge (6) and operation (5)");
  if (transit_.defined()) transit_active_ = transit_.detach().ne(0).to(torch::kCPU).contiguous();
  mixed_ = true;
  return Nb201NetworkImpl::ForwardFeatures(x);
}

void Nb201SupernetImpl::SetTransit(torch::Tensor transit, int64_t engine_cells) {
  Require(!transit.defined() ||
              (transit.dim() == 2 && transit.size(0) == kNb201Edges && transit.size(1) == kNb201OpCount),
          "Transit-cell weights have one weight per edge (6) and operation (5)");
  Require(engine_cells >= 1, "a stage needs at least one Engine-cell");
  transit_ = std::move(transit);
  engine_cells_ = engine_cells;
}

bool Nb201SupernetImpl::IsTransit(size_t i) const {
  if (!transit_.defined()) return false;
  int64_t position = 0;  // the cell's place in its stage
  for (size_t j = i; j > 0 && is_cell(j - 1); --j) ++position;
  return position >= engine_cells_;
}

torch::Tensor Nb201SupernetImpl::RunCell(size_t i, const torch::Tensor& h) {
  if (!is_cell(i)) return Nb201NetworkImpl::RunCell(i, h);
  auto cell = std::static_pointer_cast<Nb201SuperCellImpl>(cell_list()[i].ptr());
  if (!mixed_) return cell->forward(h, path_);
  return IsTransit(i) ? cell->ForwardMixed(h, transit_, transit_active_) : cell->ForwardMixed(h, mixture_);
}

std::vector<torch::Tensor> Nb201SupernetImpl::EdgeParameters(int64_t e) {
  Require(e >= 0 && e < kNb201Edges, "NB201 edge index out of range");
  std::vector<torch::Tensor> out;
  for (size_t i = 0; i < cell_list().size(); ++i) {
    if (!is_cell(i)) continue;
    for (auto& p : std::static_pointer_cast<Nb201SuperCellImpl>(cell_list()[i].ptr())->EdgeParameters(e))
      out.push_back(p);
  }
  return out;
}

}  // namespace torchnas
