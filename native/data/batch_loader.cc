#include "data/batch_loader.h"

#include <cstring>

#include "common/error.h"
#include "data/seeded_random.h"

namespace torchnas {

BatchLoader::BatchLoader(std::shared_ptr<const DatasetView> view, LoaderOptions options)
    : view_(std::move(view)), options_(std::move(options)) {
  Require(options_.batch_size > 0, "batch size must be positive");
  Require(view_->size() > 0, "dataset '" + view_->name + "' is empty");
  const ImageShape shape = view_->source->shape();
  const auto& a = options_.augment;
  Require(a.mean.size() == 1 || static_cast<int64_t>(a.mean.size()) == shape.channels,
          "normalization mean needs 1 or " + std::to_string(shape.channels) + " values");
  Require(a.std.size() == a.mean.size(), "normalization mean and std need the same number of values");
  Require(a.pad >= 0 && a.pad < shape.height && a.pad < shape.width, "crop padding must be in [0, image size)");
  lut_.resize(static_cast<size_t>(shape.channels));
  for (int64_t c = 0; c < shape.channels; ++c) {
    const size_t k = a.mean.size() == 1 ? 0 : static_cast<size_t>(c);
    Require(a.std[k] > 0.0f, "normalization std must be positive");
    for (int v = 0; v < 256; ++v) lut_[static_cast<size_t>(c)][static_cast<size_t>(v)] = (v / 255.0f - a.mean[k]) / a.std[k];
  }
  order_ = view_->indices;
  if (options_.shuffle) SeededRandom(DeriveSeed(options_.seed, static_cast<uint64_t>(options_.epoch))).Shuffle(order_);
  const int64_t n = view_->size();
  batches_ = options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
  Require(batches_ > 0, "dataset '" + view_->name + "' has fewer items (" + std::to_string(n) +
                            ") than one batch (" + std::to_string(options_.batch_size) + ") with drop_last");
  prefetcher_ = std::make_unique<Prefetcher<Batch>>(batches_, options_.prefetch,
                                                    [this](int64_t index) { return MakeBatch(index); });
}

Batch BatchLoader::MakeBatch(int64_t index) const {
  const ImageShape shape = view_->source->shape();
  const int64_t begin = index * options_.batch_size;
  const int64_t count = std::min<int64_t>(options_.batch_size, view_->size() - begin);
  auto float_options = torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(options_.pin_memory);
  Batch batch{torch::empty({count, shape.channels, shape.height, shape.width}, float_options),
              torch::empty({count}, torch::TensorOptions().dtype(torch::kLong).pinned_memory(options_.pin_memory))};
  float* out = batch.images.data_ptr<float>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  std::vector<uint8_t> pixels(static_cast<size_t>(shape.numel()));
  const AugmentSpec& a = options_.augment;
  const uint64_t epoch_seed = DeriveSeed(options_.seed, static_cast<uint64_t>(options_.epoch));
  const int64_t hw = shape.height * shape.width;

  for (int64_t i = 0; i < count; ++i) {
    const int64_t position = begin + i;
    const int64_t source_index = order_[static_cast<size_t>(position)];
    view_->source->Read(source_index, pixels.data());
    labels[i] = view_->source->Label(source_index);
    int64_t dy = 0, dx = 0;
    bool flip = false;
    if (a.pad > 0 || a.flip) {
      SeededRandom draw(DeriveSeed(epoch_seed, static_cast<uint64_t>(position)));
      if (a.pad > 0) {
        dy = static_cast<int64_t>(draw.Below(static_cast<uint64_t>(2 * a.pad + 1))) - a.pad;
        dx = static_cast<int64_t>(draw.Below(static_cast<uint64_t>(2 * a.pad + 1))) - a.pad;
      }
      if (a.flip) flip = draw.Below(2) == 1;
    }
    float* dst = out + i * shape.numel();
    for (int64_t c = 0; c < shape.channels; ++c) {
      const float* lut = lut_[static_cast<size_t>(c)].data();
      const uint8_t* src = pixels.data() + c * hw;
      float* plane = dst + c * hw;
      if (dy == 0 && dx == 0 && !flip) {
        for (int64_t p = 0; p < hw; ++p) plane[p] = lut[src[p]];
        continue;
      }
      // Output (y, x) reads input (y + dy, x' + dx) where x' is x mirrored when flipping; outside is
      // the zero padding.
      for (int64_t y = 0; y < shape.height; ++y) {
        const int64_t sy = y + dy;
        for (int64_t x = 0; x < shape.width; ++x) {
          const int64_t sx = (flip ? shape.width - 1 - x : x) + dx;
          const bool inside = sy >= 0 && sy < shape.height && sx >= 0 && sx < shape.width;
          plane[y * shape.width + x] = lut[inside ? src[sy * shape.width + sx] : 0];
        }
      }
    }
  }
  return batch;
}

Batch FirstBatch(std::shared_ptr<const DatasetView> data, LoaderOptions loader) {
  loader.shuffle = false;
  BatchLoader batches(std::move(data), loader);
  auto batch = batches.Next();
  Require(batch.has_value(), "the dataset gave no batch: it needs at least batchSize images");
  return *batch;
}

}  // namespace torchnas
