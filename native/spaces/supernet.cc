#include "spaces/supernet.h"

#include "common/error.h"
#include "nets/block_factory.h"

namespace torchnas {

SupernetImpl::SupernetImpl(const SupernetSpec& spec, torch::Device device) : spec_(spec) {
  Require(!spec.edges.empty(), "the supernet has no searchable edges");
  stem_ = register_module("stem", MakeSequential(spec.stem));
  for (size_t e = 0; e < spec.edges.size(); ++e) {
    const EdgeSpec& edge = spec.edges[e];
    Require(!edge.candidates.empty(), "edge " + std::to_string(e) + " has no candidates");
    for (const BlockSpec& c : edge.candidates) {
      Require(c.in_channels == edge.candidates[0].in_channels && c.out_channels == edge.candidates[0].out_channels &&
                  c.stride == edge.candidates[0].stride,
              "edge " + std::to_string(e) + ": candidates must share input, output and stride");
    }
    if (edge.shortcut) {
      Require(edge.candidates[0].in_channels == edge.candidates[0].out_channels && edge.candidates[0].stride == 1,
              "edge " + std::to_string(e) + ": a shortcut needs stride 1 and equal channels");
    }
    mixed_.push_back(register_module("edge" + std::to_string(e), MixedOp(edge.candidates)));
    // Equal logits: every candidate starts equally likely.
    alphas_.push_back(torch::zeros({static_cast<int64_t>(edge.candidates.size())},
                                   torch::TensorOptions().dtype(torch::kFloat32).device(device))
                          .set_requires_grad(true));
  }
  head_ = register_module("head", MakeSequential(spec.head));
}

torch::Tensor SupernetImpl::forward(const torch::Tensor& x, const std::vector<EdgeChoice>& path, GateMode mode,
                                    const ExecutionConfig& exec) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == spec_.in_channels, "expected input of shape [B, ", spec_.in_channels,
              ", H, W], got ", x.sizes());
  TORCH_CHECK(path.size() == mixed_.size(), "a path needs one choice per edge");
  torch::Tensor h = stem_->forward(x);
  for (size_t e = 0; e < mixed_.size(); ++e) {
    torch::Tensor out = mixed_[e]->forward(h, path[e], mode, alphas_[e], exec);
    h = spec_.edges[e].shortcut ? h + out : out;
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
