#include "search/gradient_matching.h"

#include "common/error.h"

namespace torchnas {

std::vector<double> CosineDistances(const std::vector<torch::Tensor>& vectors) {
  const size_t n = vectors.size();
  Require(n >= 1, "gradient matching needs at least one vector");
  std::vector<torch::Tensor> flat;
  for (const auto& v : vectors) {
    flat.push_back(v.detach().to(torch::kCPU, torch::kFloat64).reshape({-1}));
    Require(flat.back().numel() == flat[0].numel(), "gradient vectors must have the same length");
  }
  std::vector<double> norms;
  for (const auto& v : flat) norms.push_back(v.norm().item<double>());
  std::vector<double> out(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      double cosine = 0.0;
      if (norms[i] > 0.0 && norms[j] > 0.0)
        cosine = flat[i].dot(flat[j]).item<double>() / (norms[i] * norms[j]);
      out[i * n + j] = out[j * n + i] = 1.0 - std::clamp(cosine, -1.0, 1.0);
    }
  }
  return out;
}

}  // namespace torchnas
