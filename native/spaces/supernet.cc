#include "spaces/supernet.h"

#include "common/error.h"
#include "nets/block_factory.h"

namespace torchnas {

SupernetImpl::SupernetImpl(const SupernetSpec& spec, torch::Device device, torch::ScalarType dtype)
    : spec_(spec) {
  Require(!spec.edges.empty(), "the supernet has no searchable edges");
  stem_ = register_module("stem", MakeSequential(spec.stem));
  for (size_t e = 0; e < spec.edges.size(); ++e) {
    const EdgeSpec& edge = spec.edges[e];
    Require(!edge.candidates.empty(), "edge " + std::to_string(e) + " has no candidates");
    for (const BlockSpec& c : edge.candidates) {
      Require(c.in_channels == edge.candidates[0].in_channels &&
                  c.out_channels == edge.candidates[0].out_channels && c.stride == edge.candidates[0].stride,
              "edge " + std::to_string(e) + ": candidates must share input, output and stride");
    }
    if (edge.shortcut) {
      Require(
          edge.candidates[0].in_channels == edge.candidates[0].out_channels && edge.candidates[0].stride == 1,
          "edge " + std::to_string(e) + ": a shortcut needs stride 1 and equal channels");
      // The edge adds its input once; a candidate adding it again would train 2h + f(h), not the
      // h + f(h) of the derived network.
      for (const BlockSpec& c : edge.candidates) {
        Require(c.kind != BlockKind::kMBConv || !c.residual,
                "edge " + std::to_string(e) +
                    ": candidates on a shortcut edge must be built with residual: false");
      }
    }
    mixed_.push_back(register_module("edge" + std::to_string(e), MixedOp(edge.candidates, edge.shortcut)));
    // Near-equal logits, N(0, 1e-3) as the official code: every candidate starts about equally
    // likely, and argmax ties cannot silently favour the first candidate. Drawn from the seeded
    // construction generator, so a seed fixes them.
    const auto n = static_cast<int64_t>(edge.candidates.size());
    alphas_.push_back((torch::randn({n}, torch::kFloat64) * 1e-3).to(device, dtype).set_requires_grad(true));
  }
  head_ = register_module("head", MakeSequential(spec.head));
}

torch::Tensor SupernetImpl::forward(const torch::Tensor& x, const std::vector<EdgeChoice>& path,
                                    GateMode mode, const ExecutionConfig& exec) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == spec_.in_channels, "expected input of shape [B, ",
              spec_.in_channels, ", H, W], got ", x.sizes());
  TORCH_CHECK(path.size() == mixed_.size(), "a path needs one choice per edge");
  torch::Tensor h = stem_->forward(x);
  for (size_t e = 0; e < mixed_.size(); ++e) {
    h = mixed_[e]->forward(h, path[e], mode, alphas_[e], exec);
  }
  return head_->forward(h);
}

torch::Tensor SupernetImpl::ForwardMixture(const torch::Tensor& x,
                                           const std::vector<std::vector<double>>& weights) {
  Require(static_cast<int64_t>(weights.size()) == edges(), "one weight vector per edge is needed");
  torch::Tensor h = stem_->forward(x);
  for (size_t e = 0; e < mixed_.size(); ++e) {
    Require(static_cast<int64_t>(weights[e].size()) == mixed_[e]->size(),
            "edge " + std::to_string(e) + " needs one weight per candidate");
    torch::Tensor out;
    for (size_t j = 0; j < weights[e].size(); ++j) {
      if (weights[e][j] == 0.0) continue;
      torch::Tensor term = mixed_[e]->RunCandidate(static_cast<int64_t>(j), h) * weights[e][j];
      out = out.defined() ? out + term : term;
    }
    Require(out.defined(), "edge " + std::to_string(e) + " needs a nonzero weight");
    h = out;
  }
  return head_->forward(h);
}

std::vector<int64_t> SupernetImpl::Argmax() const {
  std::vector<int64_t> choice;
  for (const auto& a : alphas_) choice.push_back(a.detach().argmax().item<int64_t>());
  return choice;
}

torch::Tensor SupernetImpl::forward(const torch::Tensor& x) {
  std::vector<EdgeChoice> path;
  for (int64_t j : Argmax()) path.push_back(EdgeChoice{j, {}});
  return forward(x, path, GateMode::kFullV2, ExecutionConfig{});
}

}  // namespace torchnas
