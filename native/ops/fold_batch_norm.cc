#include "ops/fold_batch_norm.h"

#include "ops/conv_bn_act.h"

namespace torchnas {

int64_t FoldBatchNorms(torch::nn::Module& module) {
  int64_t folded = 0;
  auto fold = [&folded](torch::nn::Module* m) {
    if (auto* pair = dynamic_cast<ConvBnActImpl*>(m)) {
      pair->FoldBatchNorm();
      ++folded;
    }
  };
  fold(&module);
  for (const auto& child : module.modules(/*include_self=*/false)) fold(child.get());
  return folded;
}

}  // namespace torchnas
