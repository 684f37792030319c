#include "nets/network.h"

#include "common/error.h"
#include "nets/block_factory.h"
#include "ops/shape_ops.h"

namespace torchnas {

NetworkImpl::NetworkImpl(const NetworkSpec& spec) : spec_(spec) {
  Require(!spec.blocks.empty(), "the network has no blocks");
  Require(spec.in_channels > 0 && spec.height > 0 && spec.width > 0, "the input shape must be positive");
  body_ = register_module("body", MakeSequential(spec.blocks));
}

namespace {
void CheckInput(const torch::Tensor& x, int64_t channels) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == channels, "expected input of shape [B, ", channels,
              ", H, W], got ", x.sizes());
}
}  // namespace

torch::Tensor NetworkImpl::forward(const torch::Tensor& x) {
  CheckInput(x, spec_.in_channels);
  return body_->forward(x);
}

torch::Tensor NetworkImpl::ForwardFeatures(const torch::Tensor& x) {
  CheckInput(x, spec_.in_channels);
  torch::Tensor h = x;
  for (auto& block : *body_) {
    if (block.ptr()->as<GlobalAvgPoolImpl>()) return h;
    h = block.forward(h);
  }
  Fail(codes::kState, "this network has no global pooling block ('gap'): it has no feature map to measure");
}

std::shared_ptr<NetworkImpl> BuildNetwork(const NetworkSpec& spec) {
  return std::make_shared<NetworkImpl>(spec);
}

}  // namespace torchnas
