#include "nets/block_factory.h"

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
  Fail(codes::kInvalidArgument,
       "unknown op '" + op + "': use conv, mbconv, identity, zero, maxpool, avgpool, gap, linear or dropout");
}

torch::nn::AnyModule MakeBlock(const BlockSpec& b, size_t index) {
  const std::string where = "block " + std::to_string(index) + ": ";
  Require(b.in_channels > 0 && b.out_channels > 0, where + "channels must be positive");
  Require(b.stride >= 1 && b.kernel >= 1, where + "kernel and stride must be >= 1");
  switch (b.kind) {
    case BlockKind::kConv:
      Require(b.kernel % 2 == 1, where + "conv kernel must be odd");
      return torch::nn::AnyModule(ConvBnAct(ConvBnActOptions(b.in_channels, b.out_channels, b.kernel)
                                                .stride(b.stride)
                                                .activation(b.activation)));
    case BlockKind::kMBConv:
      Require(b.kernel % 2 == 1, where + "mbconv kernel must be odd");
      return torch::nn::AnyModule(MBConv(MBConvOptions(b.in_channels, b.out_channels, b.kernel, b.expand)
                                             .stride(b.stride)
                                             .se_ratio(b.se_ratio)
                                             .residual(b.residual)
                                             .activation(b.activation)));
    case BlockKind::kIdentity:
      Require(b.in_channels == b.out_channels && b.stride == 1,
              where + "identity keeps channels and stride 1");
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

torch::nn::Sequential MakeSequential(const std::vector<BlockSpec>& blocks) {
  torch::nn::Sequential sequence;
  for (size_t i = 0; i < blocks.size(); ++i) sequence->push_back(MakeBlock(blocks[i], i));
  return sequence;
}

}  // namespace torchnas
