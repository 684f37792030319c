// A subnet cost that is a sum of terms, each a value times a product of decision choices: a layer's
// MACs (or table latency) given the choices it depends on (resolution, input and output width,
// kernel, expand ratio, and a depth that keeps the block). TypeScript builds the terms from the
// space's description (lib/supernet/shiftnas/cost-model.ts); here they are evaluated on relaxed
// one-hot rows, so the cost of a hard sample is exact and its gradient is the multilinear one.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "spaces/elastic_decisions.h"

namespace torchnas {

struct CostTerms {
  std::vector<double> values;
  // Per term, the indices of its factors in the decisions' concatenated columns.
  std::vector<std::vector<int64_t>> factors;
};

class CostModel {
 public:
  CostModel(const CostTerms& terms, int64_t columns, const torch::TensorOptions& options);
  // The cost of each row of a batch of decisions: [B].
  torch::Tensor operator()(const Decisions& y) const;

 private:
  int64_t columns_ = 0;
  int64_t width_ = 1;     // factors per term (shorter terms padded with a column of ones)
  torch::Tensor values_;  // [T]
  torch::Tensor index_;   // [T * width_]
};

}  // namespace torchnas
