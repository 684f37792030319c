#include "search/arch_generator.h"

#include <cmath>

#include "common/error.h"

namespace torchnas {

ArchGeneratorImpl::ArchGeneratorImpl(std::vector<int64_t> sizes, int64_t hidden) : sizes_(std::move(sizes)) {
  Require(hidden >= 1, "the generator's hidden size must be positive");
  condition_ = register_module("condition", torch::nn::Linear(1, hidden));
  cell_ = register_module("cell", torch::nn::LSTMCell(hidden, hidden));
  heads_ = register_module("heads", torch::nn::ModuleList());
  embeddings_ = register_module("embeddings", torch::nn::ModuleList());
  for (int64_t n : sizes_) {
    heads_->push_back(torch::nn::Linear(hidden, n));
    embeddings_->push_back(torch::nn::Linear(torch::nn::LinearOptions(n, hidden).bias(false)));
  }
}

Decisions ArchGeneratorImpl::forward(const torch::Tensor& targets, const Decisions& noise, double temperature,
                                     bool hard) {
  Require(noise.empty() || noise.size() == sizes_.size(),
          "generator: one noise tensor per decision is needed");
  Require(temperature > 0.0, "the Gumbel-softmax temperature must be positive");
  // The target enters at every step, beside the previous decision.
  const torch::Tensor condition = condition_->forward(targets.reshape({-1, 1}));
  auto state = cell_->forward(condition);
  Decisions out;
  for (size_t d = 0; d < sizes_.size(); ++d) {
    torch::Tensor logits = heads_[d]->as<torch::nn::Linear>()->forward(std::get<0>(state));
    torch::Tensor y;
    if (noise.empty()) {
      y = torch::one_hot(logits.argmax(1), sizes_[d]).to(logits.scalar_type());
    } else {
      torch::Tensor soft = torch::softmax((logits + noise[d]) / temperature, 1);
      y = soft;
      if (hard) {
        torch::Tensor one_hot = torch::one_hot(soft.argmax(1), sizes_[d]).to(soft.scalar_type());
        y = one_hot - soft.detach() + soft;
      }
    }
    out.push_back(y);
    if (d + 1 < sizes_.size()) {
      torch::Tensor input = condition + embeddings_[d]->as<torch::nn::Linear>()->forward(y);
      state = cell_->forward(input, state);
    }
  }
  return out;
}

Decisions ArchGeneratorImpl::Noise(int64_t rows, SeededRandom& rng,
                                   const torch::TensorOptions& options) const {
  Decisions noise;
  for (int64_t n : sizes_) {
    std::vector<double> g(static_cast<size_t>(rows * n));
    for (double& v : g) {
      const double u = (static_cast<double>(rng.Next() >> 11) + 0.5) * (1.0 / 9007199254740992.0);  // (0, 1)
      v = -std::log(-std::log(u));
    }
    noise.push_back(torch::tensor(g, torch::kFloat64).reshape({rows, n}).to(options));
  }
  return noise;
}

}  // namespace torchnas
