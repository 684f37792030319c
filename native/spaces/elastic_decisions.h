// An elastic space's decisions as rows of (relaxed) one-hot weights, in one fixed order: the
// resolution, then per stage its width, its depth, and each block's kernel and expand ratio up to the
// stage's largest depth (a block beyond the chosen depth still has rows; they do not matter). A
// batch of subnets is one [B, choices] tensor per decision. TypeScript lays out its cost model in
// the same order (lib/supernet/shiftnas/cost-model.ts).
#pragma once
#include <torch/torch.h>

#include <vector>

#include "spaces/elastic_net.h"

namespace torchnas {

using Decisions = std::vector<torch::Tensor>;

// The number of choices of each decision.
std::vector<int64_t> DecisionSizes(const ElasticSpec& space);
// A subnet's exact one-hot rows (a batch of one).
Decisions OneHotDecisions(const ElasticSpec& space, const ElasticChoice& subnet,
                          const torch::TensorOptions& options);
// The subnet of row `row`: each decision's largest weight.
ElasticChoice ChoiceOf(const ElasticSpec& space, const Decisions& y, int64_t row);
// The masks of row `row` (ElasticNetImpl::ForwardMasked): a cumulative mask per width-like decision
// (choice j keeps the first widths[j] channels; a product of the input width's and the expand
// ratio's rows for the middle channels), the kernel row itself, a gate per block beyond the smallest
// depth, and the shortcut gate of a stage's first block (its input and output widths equal).
ElasticMasks MasksOf(const ElasticNetImpl& net, const Decisions& y, int64_t row);

}  // namespace torchnas
