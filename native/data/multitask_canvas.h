// The multitask canvas dataset: Fashion-MNIST items pasted, scaled, at seeded random positions on a
// larger blank canvas, with labels for three tasks made from the same paste: classification (the
// class of the item with the most foreground pixels), semantic segmentation (per pixel: 0 background,
// 1 + class where an item's pixel is foreground) and detection (each item's tight box and class).
// Items never overlap, so every mask and box belongs to exactly one visible item. Canvas i depends
// only on (seed, i) and the item view.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <optional>
#include <vector>

#include "data/image_source.h"
#include "data/prefetcher.h"

namespace torchnas {

struct CanvasSpec {
  int64_t size = 64;
  int64_t min_items = 1;
  int64_t max_items = 3;
  int64_t min_side = 16;  // side of a pasted item, in canvas pixels
  int64_t max_side = 32;
  int64_t foreground = 48;  // a pasted pixel above this (0..255) is foreground
  int64_t count = 10000;    // canvases in the split
  uint64_t seed = 0;
  float mean = 0.0f;  // image normalization, in [0, 1] units
  float std = 1.0f;
};

struct CanvasBox {
  float x0, y0, x1, y1;  // pixel edges: the box covers [x0, x1) x [y0, y1)
  int64_t label;
};

struct Canvas {
  std::vector<uint8_t> pixels;   // size x size
  std::vector<uint8_t> segment;  // size x size: 0 background, 1 + class
  std::vector<CanvasBox> boxes;
  int64_t label = 0;
};

// Checks the spec against the item images; the message names the option to fix.
void CheckCanvasSpec(const CanvasSpec& spec, const DatasetView& items);
Canvas MakeCanvas(const CanvasSpec& spec, const DatasetView& items, int64_t index);

struct CanvasBatch {
  torch::Tensor images;      // float [B, 1, S, S], normalized
  torch::Tensor labels;      // int64 [B]
  torch::Tensor segments;    // int64 [B, S, S]
  torch::Tensor boxes;       // float [B, max_items, 4] (x0, y0, x1, y1); padding rows are 0
  torch::Tensor box_labels;  // int64 [B, max_items]; -1 marks padding
};

CanvasBatch MakeCanvasBatch(const CanvasSpec& spec, const DatasetView& items,
                            const std::vector<int64_t>& indices);

// One epoch of canvas batches, shuffled by (seed, epoch), made on a prefetch thread.
class CanvasLoader {
 public:
  CanvasLoader(CanvasSpec spec, std::shared_ptr<const DatasetView> items, int64_t batch_size, int64_t epoch,
               bool shuffle);
  std::optional<CanvasBatch> Next() { return prefetcher_->Next(); }
  int64_t batches() const { return batches_; }

 private:
  CanvasSpec spec_;
  std::shared_ptr<const DatasetView> items_;
  std::vector<int64_t> order_;
  int64_t batch_size_;
  int64_t batches_;
  std::unique_ptr<Prefetcher<CanvasBatch>> prefetcher_;
};

}  // namespace torchnas
