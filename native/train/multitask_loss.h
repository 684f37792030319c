// The losses and decoding of the multitask heads. Detection is CenterNet-style and anchor-free: a
// heatmap per class whose targets are Gaussians at the boxes' centres (penalty-reduced focal loss), and
// at each centre cell the sub-cell offset and the box size in cells (L1, the size weighted 0.1).
#pragma once
#include <torch/torch.h>

#include "data/multitask_canvas.h"
#include "spaces/multires_net.h"

namespace torchnas {

torch::Tensor ClassifyLoss(const MultitaskOutputs& out, const CanvasBatch& batch);
torch::Tensor SegmentLoss(const MultitaskOutputs& out, const CanvasBatch& batch);
torch::Tensor DetectLoss(const MultitaskOutputs& out, const CanvasBatch& batch);
torch::Tensor TaskLoss(TaskHead task, const MultitaskOutputs& out, const CanvasBatch& batch);

// The `top` highest peaks (3x3 local maxima) per image scoring at least `min_score`, as rows
// (image, x0, y0, x1, y1, score, class) in canvas pixels.
torch::Tensor DecodeDetections(const MultitaskOutputs& out, int64_t top, double min_score);

}  // namespace torchnas
