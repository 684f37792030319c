#include "spaces/elastic_decisions.h"

#include <algorithm>

#include "common/error.h"

namespace torchnas {
namespace {

int64_t IndexOf(const std::vector<int64_t>& values, int64_t value) {
  auto it = std::find(values.begin(), values.end(), value);
  Require(it != values.end(), "decisions: " + std::to_string(value) + " is not one of the space's values");
  return it - values.begin();
}

// Rows [n] of a cumulative mapping: out[c] = sum_j row[j] * [c < limits[j]], over `size` channels.
torch::Tensor Cumulative(const torch::Tensor& row, const std::vector<int64_t>& limits, int64_t size) {
  torch::Tensor map = torch::zeros({static_cast<int64_t>(limits.size()), size}, row.options());
  for (size_t j = 0; j < limits.size(); ++j) map[static_cast<int64_t>(j)].narrow(0, 0, limits[j]).fill_(1.0);
  return torch::matmul(row, map);
}

// The products of two rows, flattened (i major), with the matching products of their values.
std::pair<torch::Tensor, std::vector<int64_t>> Outer(const torch::Tensor& a, const std::vector<int64_t>& va,
                                                     const torch::Tensor& b, const std::vector<int64_t>& vb) {
  std::vector<int64_t> values;
  for (int64_t x : va) {
    for (int64_t y : vb) values.push_back(x * y);
  }
  return {torch::outer(a, b).reshape({-1}), values};
}

// A stage's input: the row of the previous stage's width, or a fixed width (one choice, weight 1).
struct WidthRow {
  torch::Tensor row;
  std::vector<int64_t> values;
};

}  // namespace

std::vector<int64_t> DecisionSizes(const ElasticSpec& space) {
  std::vector<int64_t> sizes{static_cast<int64_t>(space.resolutions.size())};
  for (const auto& st : space.stages) {
    sizes.push_back(static_cast<int64_t>(st.widths.size()));
    sizes.push_back(static_cast<int64_t>(st.depths.size()));
    for (int64_t b = 0; b < st.depths.back(); ++b) {
      sizes.push_back(static_cast<int64_t>(st.kernels.size()));
      sizes.push_back(static_cast<int64_t>(st.expands.size()));
    }
  }
  return sizes;
}

Decisions OneHotDecisions(const ElasticSpec& space, const ElasticChoice& c,
                          const torch::TensorOptions& options) {
  Decisions y;
  auto add = [&](const std::vector<int64_t>& values, int64_t value) {
    torch::Tensor row = torch::zeros({1, static_cast<int64_t>(values.size())}, options);
    row[0][IndexOf(values, value)] = 1.0;
    y.push_back(row);
  };
  add(space.resolutions, c.resolution);
  for (size_t s = 0; s < space.stages.size(); ++s) {
    const auto& st = space.stages[s];
    const auto& cs = c.stages[s];
    add(st.widths, cs.width);
    add(st.depths, static_cast<int64_t>(cs.kernels.size()));
    for (size_t b = 0; b < static_cast<size_t>(st.depths.back()); ++b) {
      add(st.kernels, b < cs.kernels.size() ? cs.kernels[b] : st.kernels.front());
      add(st.expands, b < cs.expands.size() ? cs.expands[b] : st.expands.front());
    }
  }
  return y;
}

ElasticChoice ChoiceOf(const ElasticSpec& space, const Decisions& y, int64_t row) {
  Require(y.size() == DecisionSizes(space).size(), "decisions: the rows do not fit the space");
  size_t d = 0;
  auto pick = [&](const std::vector<int64_t>& values) {
    return values[static_cast<size_t>(y[d++][row].argmax().item<int64_t>())];
  };
  ElasticChoice c;
  c.resolution = pick(space.resolutions);
  for (const auto& st : space.stages) {
    ElasticStageChoice sc;
    sc.width = pick(st.widths);
    const int64_t depth = pick(st.depths);
    for (int64_t b = 0; b < st.depths.back(); ++b) {
      const int64_t k = pick(st.kernels);
      const int64_t e = pick(st.expands);
      if (b < depth) {
        sc.kernels.push_back(k);
        sc.expands.push_back(e);
      }
    }
    c.stages.push_back(std::move(sc));
  }
  return c;
}

ElasticMasks MasksOf(const ElasticNetImpl& net, const Decisions& y, int64_t row) {
  const ElasticSpec& space = net.spec();
  Require(y.size() == DecisionSizes(space).size(), "decisions: the rows do not fit the space");
  size_t d = 0;
  auto next = [&]() { return y[d++][row]; };
  ElasticMasks m;
  torch::Tensor resolution = next();
  const int64_t r = resolution.argmax().item<int64_t>();
  m.resolution = space.resolutions[static_cast<size_t>(r)];
  m.resolution_gate = resolution[r];
  WidthRow input{torch::ones({1}, resolution.options()), {space.stages.front().in_max}};
  for (size_t s = 0; s < space.stages.size(); ++s) {
    const auto& st = space.stages[s];
    WidthRow width{next(), st.widths};
    torch::Tensor depth = next();
    std::vector<ElasticBlockMasks> blocks;
    std::vector<torch::Tensor> keep;
    for (int64_t b = 0; b < st.depths.back(); ++b) {
      const ElasticMBConvImpl& block = net.block(s, static_cast<size_t>(b));
      const WidthRow& in = b == 0 ? input : width;
      ElasticBlockMasks bm;
      bm.kernel = next();
      auto [in_expand, mids] = Outer(in.row, in.values, next(), st.expands);
      bm.mid = Cumulative(in_expand, mids, block.options.in_max * block.options.expand_max);
      bm.out = Cumulative(width.row, st.widths, block.options.out_max);
      if (block.se) {
        std::vector<int64_t> hidden;
        for (int64_t w : in.values) hidden.push_back(block.SeChannels(w));
        bm.se = Cumulative(in.row, hidden, block.SeChannels(block.options.in_max));
      }
      if (block.options.stride == 1 && b > 0) {
        bm.shortcut = torch::ones({}, width.row.options());  // a later block keeps the stage's width
      } else if (block.options.stride == 1) {
        // The weight of "input width == output width".
        torch::Tensor pairs = Outer(in.row, in.values, width.row, st.widths).first;
        std::vector<double> same;
        for (int64_t x : in.values) {
          for (int64_t w : st.widths) same.push_back(x == w ? 1.0 : 0.0);
        }
        if (std::find(same.begin(), same.end(), 1.0) != same.end()) {
          bm.shortcut = (pairs * torch::tensor(same, pairs.options())).sum();
        }
      }
      std::vector<double> deeper;
      for (int64_t depth_value : st.depths) deeper.push_back(depth_value > b ? 1.0 : 0.0);
      if (b >= st.depths.front())
        keep.push_back((depth * torch::tensor(deeper, depth.options())).sum());
      else
        keep.emplace_back();
      blocks.push_back(std::move(bm));
    }
    m.blocks.push_back(std::move(blocks));
    m.keep.push_back(std::move(keep));
    input = width;
  }
  return m;
}

}  // namespace torchnas
