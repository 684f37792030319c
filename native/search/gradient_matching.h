// GM-NAS's split criterion (Hu et al., ICLR 2022): for one decision of a weight-sharing supernet, the
// gradient the shared weights receive with the decision fixed to each of its options, and how far
// apart those gradients point. Options whose gradients disagree should not share weights.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace torchnas {

struct GradientMatch {
  int64_t decision = 0;
  std::vector<int64_t> options;   // the decision's allowed options, in order
  std::vector<double> distances;  // options x options, row-major: 1 - cos(g_i, g_j)
  std::vector<double> norms;      // |g_i| of the averaged gradients
};

// 1 - cos(v_i, v_j) for every pair of flat vectors (row-major n x n). A zero vector has no
// direction: its distance to any other vector is 1 (cosine 0), to itself 0.
std::vector<double> CosineDistances(const std::vector<torch::Tensor>& vectors);

}  // namespace torchnas
