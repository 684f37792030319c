// A batch as up to k parts along its first dimension, images and labels alike: the micro-batches whose
// gradients a step averages. Equal parts when the batch divides (runs check that batchSize does); a
// batch short of an image the loader could not decode is split as evenly as it goes (chunk may give
// fewer than k parts).
#pragma once
#include <torch/torch.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace torchnas {

inline std::vector<std::pair<torch::Tensor, torch::Tensor>> SplitBatch(const torch::Tensor& x,
                                                                       const torch::Tensor& y, int64_t k) {
  std::vector<torch::Tensor> xs = x.chunk(std::max<int64_t>(1, k)), ys = y.chunk(std::max<int64_t>(1, k));
  std::vector<std::pair<torch::Tensor, torch::Tensor>> parts;
  for (size_t i = 0; i < xs.size(); ++i) parts.emplace_back(xs[i], ys[i]);
  return parts;
}

}  // namespace torchnas
