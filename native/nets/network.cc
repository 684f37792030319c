#include "nets/network.h"

#include "common/error.h"
#include "nets/block_factory.h"

namespace torchnas {

NetworkImpl::NetworkImpl(const NetworkSpec& spec) : spec_(spec) {
  Require(!spec.blocks.empty(), "the network has no blocks");
  Require(spec.in_channels > 0 && spec.height > 0 && spec.width > 0, "the input shape must be positive");
  body_ = register_module("body", MakeSequential(spec.blocks));
}

torch::Tensor NetworkImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == spec_.in_channels, "expected input of shape [B, ", spec_.in_channels,
              ", H, W], got ", x.sizes());
  return body_->forward(x);
}

std::shared_ptr<NetworkImpl> BuildNetwork(const NetworkSpec& spec) { return std::make_shared<NetworkImpl>(spec); }

}  // namespace torchnas
