#include "train/multitask_loss.h"

#include <algorithm>
#include <cmath>

namespace torchnas {
namespace F = torch::nn::functional;

torch::Tensor ClassifyLoss(const MultitaskOutputs& out, const CanvasBatch& batch) {
  return F::cross_entropy(out.logits, batch.labels.to(out.logits.device()));
}

torch::Tensor SegmentLoss(const MultitaskOutputs& out, const CanvasBatch& batch) {
  return F::cross_entropy(out.segment, batch.segments.to(out.segment.device()));
}

namespace {

struct DetectTargets {
  torch::Tensor heat;     // [B, C, H, W]
  torch::Tensor regress;  // [B, 4, H, W]
  torch::Tensor centres;  // [B, 1, H, W], 1 at each box's centre cell
  int64_t boxes = 0;
};

// Gaussian spread from the box size in cells: a third of the smaller side, at least half a cell.
DetectTargets MakeDetectTargets(const CanvasBatch& batch, int64_t classes, int64_t height, int64_t width) {
  const int64_t b_count = batch.boxes.size(0);
  DetectTargets t;
  t.heat = torch::zeros({b_count, classes, height, width});
  t.regress = torch::zeros({b_count, 4, height, width});
  t.centres = torch::zeros({b_count, 1, height, width});
  auto heat = t.heat.accessor<float, 4>();
  auto regress = t.regress.accessor<float, 4>();
  auto centres = t.centres.accessor<float, 4>();
  auto boxes = batch.boxes.accessor<float, 3>();
  auto labels = batch.box_labels.accessor<int64_t, 2>();
  const double stride = static_cast<double>(kDetectStride);
  for (int64_t i = 0; i < b_count; ++i) {
    for (int64_t k = 0; k < batch.boxes.size(1); ++k) {
      const int64_t label = labels[i][k];
      if (label < 0) continue;
      const double w = (boxes[i][k][2] - boxes[i][k][0]) / stride,
                   h = (boxes[i][k][3] - boxes[i][k][1]) / stride;
      const double cx = (boxes[i][k][0] + boxes[i][k][2]) / (2 * stride),
                   cy = (boxes[i][k][1] + boxes[i][k][3]) / (2 * stride);
      const int64_t ix = std::min<int64_t>(static_cast<int64_t>(cx), width - 1);
      const int64_t iy = std::min<int64_t>(static_cast<int64_t>(cy), height - 1);
      const double sigma = std::max(0.5, std::min(w, h) / 6.0);
      for (int64_t y = 0; y < height; ++y) {
        for (int64_t x = 0; x < width; ++x) {
          const double d2 = static_cast<double>((x - ix) * (x - ix) + (y - iy) * (y - iy));
          heat[i][label][y][x] =
              std::max(heat[i][label][y][x], static_cast<float>(std::exp(-d2 / (2 * sigma * sigma))));
        }
      }
      regress[i][0][iy][ix] = static_cast<float>(cx - ix),
      regress[i][1][iy][ix] = static_cast<float>(cy - iy);
      regress[i][2][iy][ix] = static_cast<float>(w), regress[i][3][iy][ix] = static_cast<float>(h);
      centres[i][0][iy][ix] = 1.0f;
      ++t.boxes;
    }
  }
  return t;
}

}  // namespace

torch::Tensor DetectLoss(const MultitaskOutputs& out, const CanvasBatch& batch) {
  const auto device = out.heatmap.device();
  const DetectTargets t =
      MakeDetectTargets(batch, out.heatmap.size(1), out.heatmap.size(2), out.heatmap.size(3));
  const torch::Tensor heat = t.heat.to(device, out.heatmap.scalar_type());
  const torch::Tensor log_p = F::logsigmoid(out.heatmap), log_not_p = F::logsigmoid(-out.heatmap);
  const torch::Tensor p = torch::sigmoid(out.heatmap);
  const torch::Tensor positive = heat.eq(1.0).to(heat.scalar_type());
  const torch::Tensor focal =
      -(positive * (1 - p).pow(2) * log_p + (1 - positive) * (1 - heat).pow(4) * p.pow(2) * log_not_p);
  const double count = static_cast<double>(std::max<int64_t>(1, t.boxes));
  const torch::Tensor centres = t.centres.to(device, out.boxes.scalar_type());
  const torch::Tensor error = (out.boxes - t.regress.to(device, out.boxes.scalar_type())).abs() * centres;
  const torch::Tensor regress = error.narrow(1, 0, 2).sum() + 0.1 * error.narrow(1, 2, 2).sum();
  return (focal.sum() + regress) / count;
}

torch::Tensor TaskLoss(TaskHead task, const MultitaskOutputs& out, const CanvasBatch& batch) {
  switch (task) {
    case TaskHead::kClassify:
      return ClassifyLoss(out, batch);
    case TaskHead::kSegment:
      return SegmentLoss(out, batch);
    case TaskHead::kDetect:
      return DetectLoss(out, batch);
  }
  return {};
}

torch::Tensor DecodeDetections(const MultitaskOutputs& out, int64_t top, double min_score) {
  torch::NoGradGuard no_grad;
  const torch::Tensor heat = torch::sigmoid(out.heatmap.to(torch::kCPU, torch::kFloat32));
  const torch::Tensor boxes = out.boxes.to(torch::kCPU, torch::kFloat32);
  const torch::Tensor peaks =
      heat * heat.eq(F::max_pool2d(heat, F::MaxPool2dFuncOptions(3).stride(1).padding(1)));
  const int64_t b_count = heat.size(0), classes = heat.size(1), h = heat.size(2), w = heat.size(3);
  const auto [scores, index] = peaks.reshape({b_count, -1}).topk(std::min(top, classes * h * w), 1);
  auto s = scores.accessor<float, 2>();
  auto ix = index.accessor<int64_t, 2>();
  auto r = boxes.accessor<float, 4>();
  std::vector<float> rows;
  const float stride = static_cast<float>(kDetectStride);
  for (int64_t i = 0; i < b_count; ++i) {
    for (int64_t k = 0; k < scores.size(1); ++k) {
      if (s[i][k] < min_score) break;
      const int64_t label = ix[i][k] / (h * w), cell = ix[i][k] % (h * w), y = cell / w, x = cell % w;
      const float cx = (static_cast<float>(x) + r[i][0][y][x]) * stride,
                  cy = (static_cast<float>(y) + r[i][1][y][x]) * stride;
      const float bw = r[i][2][y][x] * stride, bh = r[i][3][y][x] * stride;
      rows.insert(rows.end(), {static_cast<float>(i), cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2,
                               s[i][k], static_cast<float>(label)});
    }
  }
  return torch::tensor(rows).reshape({-1, 7});
}

}  // namespace torchnas
