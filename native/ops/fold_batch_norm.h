// Folds every conv-BN pair of a module into its conv (inference only).
#pragma once
#include <torch/torch.h>

namespace torchnas {

// Returns how many BatchNorm layers were folded.
int64_t FoldBatchNorms(torch::nn::Module& module);

}  // namespace torchnas
