// A fixed network as plain data: the resolved form of an architecture description (lib/arch), with
// every block's input and output channels filled in by TypeScript's shape inference.
#pragma once
#include <string>
#include <vector>

#include "ops/activation.h"

namespace torchnas {

enum class BlockKind { kConv, kMBConv, kIdentity, kZero, kMaxPool, kAvgPool, kGlobalPool, kLinear, kDropout };

struct BlockSpec {
  BlockKind kind = BlockKind::kIdentity;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t expand = 1;
  double se_ratio = 0.0;
  double dropout = 0.0;
  Activation activation = Activation::kReLU;
  // MBConv: whether the block adds its own input where it can (stride 1, channels kept). A supernet
  // edge that carries the shortcut itself builds its candidates with this off.
  bool residual = true;
};

struct NetworkSpec {
  int64_t in_channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t classes = 0;
  std::vector<BlockSpec> blocks;
};

BlockKind ParseBlockKind(const std::string& op);

}  // namespace torchnas
