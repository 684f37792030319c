// The NAS-Bench-201 cell: 4 nodes, node j the sum of one op on each edge i -> j (i < j); the cell
// output is node 3. Ops keep channels and resolution; the order of the six edges is that of the
// architecture string (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), as in lib/benchmarks/nb201-cell.ts.
#pragma once
#include <torch/torch.h>

#include <array>
#include <functional>
#include <string>

namespace torchnas {

enum class Nb201Op { kNone, kSkipConnect, kConv1x1, kConv3x3, kAvgPool3x3 };
using Nb201Ops = std::array<Nb201Op, 6>;

constexpr int64_t kNb201Edges = 6;
constexpr int64_t kNb201OpCount = 5;  // in Nb201Op order, the benchmark's op order

// The node edge e reads from (edge order as above: 0, 0, 1, 0, 1, 2).
int64_t Nb201EdgeSource(size_t e);

// "none" | "skip_connect" | "nor_conv_1x1" | "nor_conv_3x3" | "avg_pool_3x3"; E_INVALID_ARGUMENT otherwise.
Nb201Op ParseNb201Op(const std::string& name);

// One edge operation keeping `channels` and resolution (a `none` edge is a Zero module).
torch::nn::AnyModule MakeNb201EdgeOp(Nb201Op op, int64_t channels, bool affine);

// The cell's DAG: node j sums run_edge(e, node i) over its edges e = i -> j whose op is not `none`.
torch::Tensor Nb201CellForward(const torch::Tensor& x, const Nb201Ops& ops,
                               const std::function<torch::Tensor(size_t, const torch::Tensor&)>& run_edge);

class Nb201CellImpl : public torch::nn::Cloneable<Nb201CellImpl> {
 public:
  Nb201CellImpl(const Nb201Ops& ops, int64_t channels, bool affine);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

 private:
  Nb201Ops ops_;
  int64_t channels_;
  bool affine_;
  torch::nn::ModuleList edges_{nullptr};        // registered as edges.0 .. edges.5
  std::vector<torch::nn::AnyModule> edge_ops_;  // the same modules, callable
};
TORCH_MODULE(Nb201Cell);

}  // namespace torchnas
