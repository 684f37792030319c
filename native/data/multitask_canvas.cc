#include "data/multitask_canvas.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "data/seeded_random.h"

namespace torchnas {
namespace {

constexpr int kPlacementTries = 32;

struct Square {
  int64_t x, y, side;
  bool Overlaps(const Square& o) const {
    return x < o.x + o.side && o.x < x + side && y < o.y + o.side && o.y < y + side;
  }
};

// Bilinear resize of a square grey image (align_corners=false sampling, edges clamped).
std::vector<uint8_t> ResizeSquare(const std::vector<uint8_t>& src, int64_t from, int64_t to) {
  std::vector<uint8_t> out(static_cast<size_t>(to * to));
  const double scale = static_cast<double>(from) / static_cast<double>(to);
  auto at = [&](int64_t r, int64_t c) { return static_cast<double>(src[static_cast<size_t>(r * from + c)]); };
  for (int64_t r = 0; r < to; ++r) {
    const double sy = std::clamp((r + 0.5) * scale - 0.5, 0.0, static_cast<double>(from - 1));
    const int64_t y0 = static_cast<int64_t>(sy);
    const int64_t y1 = std::min(y0 + 1, from - 1);
    const double fy = sy - static_cast<double>(y0);
    for (int64_t c = 0; c < to; ++c) {
      const double sx = std::clamp((c + 0.5) * scale - 0.5, 0.0, static_cast<double>(from - 1));
      const int64_t x0 = static_cast<int64_t>(sx);
      const int64_t x1 = std::min(x0 + 1, from - 1);
      const double fx = sx - static_cast<double>(x0);
      const double v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
                       fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
      out[static_cast<size_t>(r * to + c)] = static_cast<uint8_t>(std::lround(v));
    }
  }
  return out;
}

// Pastes one item; returns its foreground pixel count (the box covers its foreground pixels).
int64_t Paste(const CanvasSpec& spec, const std::vector<uint8_t>& item, const Square& at, int64_t label,
              Canvas& canvas) {
  int64_t x0 = spec.size, y0 = spec.size, x1 = -1, y1 = -1, pixels = 0;
  for (int64_t r = 0; r < at.side; ++r) {
    for (int64_t c = 0; c < at.side; ++c) {
      const uint8_t v = item[static_cast<size_t>(r * at.side + c)];
      const size_t p = static_cast<size_t>((at.y + r) * spec.size + at.x + c);
      canvas.pixels[p] = v;
      if (v <= spec.foreground) continue;
      canvas.segment[p] = static_cast<uint8_t>(1 + label);
      x0 = std::min(x0, at.x + c), x1 = std::max(x1, at.x + c);
      y0 = std::min(y0, at.y + r), y1 = std::max(y1, at.y + r);
      ++pixels;
    }
  }
  if (pixels > 0) {
    canvas.boxes.push_back({static_cast<float>(x0), static_cast<float>(y0), static_cast<float>(x1 + 1),
                            static_cast<float>(y1 + 1), label});
  }
  return pixels;
}

}  // namespace

void CheckCanvasSpec(const CanvasSpec& spec, const DatasetView& items) {
  const ImageShape shape = items.source->shape();
  Require(shape.channels == 1 && shape.height == shape.width,
          "canvas items must be square single-channel images (Fashion-MNIST), got " +
              std::to_string(shape.channels) + "x" + std::to_string(shape.height) + "x" +
              std::to_string(shape.width));
  Require(items.size() > 0, "the canvas item dataset '" + items.name + "' is empty");
  Require(spec.min_side >= 4 && spec.min_side <= spec.max_side,
          "canvas.minSide must be at least 4 and at most canvas.maxSide");
  Require(spec.max_side <= spec.size,
          "canvas.size " + std::to_string(spec.size) + " is smaller than an item (canvas.maxSide " +
              std::to_string(spec.max_side) + "): enlarge the canvas or shrink the items");
  Require(spec.min_items >= 1 && spec.min_items <= spec.max_items && spec.max_items <= 8,
          "canvas.minItems and canvas.maxItems must satisfy 1 <= minItems <= maxItems <= 8");
  Require(spec.foreground >= 0 && spec.foreground < 255, "canvas.foreground must be in [0, 255)");
  Require(spec.count > 0, "canvas.count must be positive");
  Require(spec.std > 0.0f, "canvas normalization std must be positive");
}

Canvas MakeCanvas(const CanvasSpec& spec, const DatasetView& items, int64_t index) {
  SeededRandom rng(DeriveSeed(spec.seed, static_cast<uint64_t>(index)));
  const int64_t from = items.source->shape().height;
  Canvas canvas;
  canvas.pixels.assign(static_cast<size_t>(spec.size * spec.size), 0);
  canvas.segment.assign(canvas.pixels.size(), 0);
  const int64_t wanted =
      spec.min_items +
      static_cast<int64_t>(rng.Below(static_cast<uint64_t>(spec.max_items - spec.min_items + 1)));
  std::vector<Square> placed;
  std::vector<uint8_t> raw(static_cast<size_t>(from * from));
  int64_t most = -1;
  for (int64_t k = 0; k < wanted; ++k) {
    const int64_t item = items.indices[rng.Below(static_cast<uint64_t>(items.size()))];
    const int64_t side =
        spec.min_side +
        static_cast<int64_t>(rng.Below(static_cast<uint64_t>(spec.max_side - spec.min_side + 1)));
    std::optional<Square> spot;
    for (int t = 0; t < kPlacementTries && !spot; ++t) {
      Square s{static_cast<int64_t>(rng.Below(static_cast<uint64_t>(spec.size - side + 1))),
               static_cast<int64_t>(rng.Below(static_cast<uint64_t>(spec.size - side + 1))), side};
      if (std::none_of(placed.begin(), placed.end(), [&](const Square& o) { return o.Overlaps(s); }))
        spot = s;
    }
    if (!spot) continue;  // crowded: this canvas holds fewer items
    placed.push_back(*spot);
    items.source->Read(item, raw.data());
    const int64_t label = items.source->Label(item);
    const int64_t pixels = Paste(spec, ResizeSquare(raw, from, side), *spot, label, canvas);
    if (pixels > most) most = pixels, canvas.label = label;
  }
  return canvas;
}

CanvasBatch MakeCanvasBatch(const CanvasSpec& spec, const DatasetView& items,
                            const std::vector<int64_t>& indices) {
  const int64_t b = static_cast<int64_t>(indices.size());
  const int64_t s = spec.size;
  CanvasBatch batch;
  batch.images = torch::empty({b, 1, s, s}, torch::kFloat32);
  batch.labels = torch::empty({b}, torch::kInt64);
  batch.segments = torch::empty({b, s, s}, torch::kInt64);
  batch.boxes = torch::zeros({b, spec.max_items, 4}, torch::kFloat32);
  batch.box_labels = torch::full({b, spec.max_items}, -1, torch::kInt64);
  float* image = batch.images.data_ptr<float>();
  int64_t* segment = batch.segments.data_ptr<int64_t>();
  auto boxes = batch.boxes.accessor<float, 3>();
  auto box_labels = batch.box_labels.accessor<int64_t, 2>();
  for (int64_t i = 0; i < b; ++i) {
    const Canvas canvas = MakeCanvas(spec, items, indices[static_cast<size_t>(i)]);
    for (int64_t p = 0; p < s * s; ++p) {
      image[i * s * s + p] = (canvas.pixels[static_cast<size_t>(p)] / 255.0f - spec.mean) / spec.std;
      segment[i * s * s + p] = canvas.segment[static_cast<size_t>(p)];
    }
    batch.labels[i] = canvas.label;
    for (size_t k = 0; k < canvas.boxes.size(); ++k) {
      const CanvasBox& box = canvas.boxes[k];
      const int64_t j = static_cast<int64_t>(k);
      boxes[i][j][0] = box.x0, boxes[i][j][1] = box.y0, boxes[i][j][2] = box.x1, boxes[i][j][3] = box.y1;
      box_labels[i][j] = box.label;
    }
  }
  return batch;
}

CanvasLoader::CanvasLoader(CanvasSpec spec, std::shared_ptr<const DatasetView> items, int64_t batch_size,
                           int64_t epoch, bool shuffle)
    : spec_(spec), items_(std::move(items)), batch_size_(batch_size) {
  CheckCanvasSpec(spec_, *items_);
  Require(batch_size > 0, "batch size must be positive");
  order_.resize(static_cast<size_t>(spec_.count));
  for (int64_t i = 0; i < spec_.count; ++i) order_[static_cast<size_t>(i)] = i;
  if (shuffle)
    SeededRandom(DeriveSeed(spec_.seed ^ 0xC4A7A5ull, static_cast<uint64_t>(epoch))).Shuffle(order_);
  batches_ = (spec_.count + batch_size - 1) / batch_size;
  prefetcher_ = std::make_unique<Prefetcher<CanvasBatch>>(batches_, 3, [this](int64_t k) {
    const auto begin = order_.begin() + k * batch_size_;
    const auto end = order_.begin() + std::min<int64_t>((k + 1) * batch_size_, spec_.count);
    return MakeCanvasBatch(spec_, *items_, std::vector<int64_t>(begin, end));
  });
}

}  // namespace torchnas
