#include "nets/network.h"

#include "common/error.h"
#include "ops/conv_bn_act.h"
#include "ops/mbconv.h"
#include "ops/shape_ops.h"

namespace torchnas {

BlockKind ParseBlockKind(const std::string& op) {
  if (op == "conv") return BlockKind::kConv;
  if (op == "mbconv") return BlockKind::kMBConv;
  if (op == "identity") return BlockKind::kIdentity;
  if (op == "zero") return BlockKind::kZero;
  if (op == "maxpool") return BlockKind::kMaxPool;
  if (op == "avgpool") return BlockKind::kAvgPool;
  if (op == "gap") return BlockKind::kGlobalPool;
  if (op == "linear") return BlockKind::kLinear;
  if (op == "dropout") return BlockKind::kDropout;
  Fail(codes::kInvalidArgument, "unknown op '" + op +
                                    "': use conv, mbconv, identity, zero, maxpool, avgpool, gap, linear or dropout");
}

namespace {

torch::nn::AnyModule MakeBlock(const BlockSpec& b, size_t index) {
  const std::string where = "block " + std::to_string(index) + ": ";
  Require(b.in_channels > 0 && b.out_channels > 0, where + "channels must be positive");
  Require(b.stride >= 1 && b.kernel >= 1, where + "kernel and stride must be >= 1");
  switch (b.kind) {
    case BlockKind::kConv:
      Require(b.kernel % 2 == 1, where + "conv kernel must be odd");
      return torch::nn::AnyModule(ConvBnAct(
          ConvBnActOptions(b.in_channels, b.out_channels, b.kernel).stride(b.stride).activation(b.activation)));
    case BlockKind::kMBConv:
      Require(b.kernel % 2 == 1, where + "mbconv kernel must be odd");
      return torch::nn::AnyModule(MBConv(MBConvOptions(b.in_channels, b.out_channels, b.kernel, b.expand)
                                             .stride(b.stride)
                                             .se_ratio(b.se_ratio)
                                             .activation(b.activation)));
    case BlockKind::kIdentity:
      Require(b.in_channels == b.out_channels && b.stride == 1, where + "identity keeps channels and stride 1");
      return torch::nn::AnyModule(Identity());
    case BlockKind::kZero:
      return torch::nn::AnyModule(Zero(b.out_channels, b.stride));
    case BlockKind::kMaxPool:
      return torch::nn::AnyModule(Pool2d(PoolKind::kMax, b.kernel, b.stride));
    case BlockKind::kAvgPool:
      return torch::nn::AnyModule(Pool2d(PoolKind::kAverage, b.kernel, b.stride));
    case BlockKind::kGlobalPool:
      return torch::nn::AnyModule(GlobalAvgPool());
    case BlockKind::kLinear: {
      torch::nn::Linear linear(b.in_channels, b.out_channels);
      torch::nn::init::normal_(linear->weight, 0.0, 0.01);
      torch::nn::init::zeros_(linear->bias);
      return torch::nn::AnyModule(linear);
    }
    case BlockKind::kDropout:
      return torch::nn::AnyModule(torch::nn::Dropout(b.dropout));
  }
  Fail(codes::kInvalidArgument, where + "unsupported block");
}

}  // namespace

NetworkImpl::NetworkImpl(const NetworkSpec& spec) : spec_(spec) {
  Require(!spec.blocks.empty(), "the network has no blocks");
  Require(spec.in_channels > 0 && spec.height > 0 && spec.width > 0, "the input shape must be positive");
  body_ = torch::nn::Sequential();
  for (size_t i = 0; i < spec.blocks.size(); ++i) body_->push_back(MakeBlock(spec.blocks[i], i));
  register_module("body", body_);
}

torch::Tensor NetworkImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == spec_.in_channels, "expected input of shape [B, ", spec_.in_channels,
              ", H, W], got ", x.sizes());
  return body_->forward(x);
}

std::shared_ptr<NetworkImpl> BuildNetwork(const NetworkSpec& spec) { return std::make_shared<NetworkImpl>(spec); }

}  // namespace torchnas
