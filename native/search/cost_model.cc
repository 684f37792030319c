#include "search/cost_model.h"

#include <algorithm>

#include "common/error.h"

namespace torchnas {

CostModel::CostModel(const CostTerms& terms, int64_t columns, const torch::TensorOptions& options)
    : columns_(columns) {
  Require(!terms.values.empty() && terms.values.size() == terms.factors.size(),
          "the cost model needs terms, each with a value and its factors");
  for (const auto& f : terms.factors) width_ = std::max<int64_t>(width_, static_cast<int64_t>(f.size()));
  std::vector<int64_t> index;
  for (const auto& f : terms.factors) {
    for (int64_t i : f) {
      Require(i >= 0 && i < columns, "a cost term names column " + std::to_string(i) + " of " +
                                         std::to_string(columns) +
                                         ": the cost model is not laid out for this space");
      index.push_back(i);
    }
    for (size_t k = f.size(); k < static_cast<size_t>(width_); ++k)
      index.push_back(columns);  // the ones column
  }
  values_ = torch::tensor(terms.values, torch::kFloat64).to(options);
  index_ = torch::tensor(index, torch::kInt64).to(options.device());
}

torch::Tensor CostModel::operator()(const Decisions& y) const {
  torch::Tensor columns = torch::cat(y, 1);
  Require(columns.size(1) == columns_, "the decisions do not have the cost model's columns");
  columns = torch::cat({columns, torch::ones({columns.size(0), 1}, columns.options())}, 1);
  torch::Tensor products = columns.index_select(1, index_).reshape({columns.size(0), -1, width_}).prod(2);
  return (products * values_.to(columns.scalar_type())).sum(1);
}

}  // namespace torchnas
