#include "data/batch_loader.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "common/error.h"
#include "data/seeded_random.h"

namespace torchnas {
namespace {

void RequireDecodeTransform(const ImageSource& source, const AugmentSpec& a) {
  const DecodeTransform& d = a.decode;
  if (!source.decodes()) {
    Require(!d.random_crop && !d.jitter(),
            "randomResizedCrop and colorJitter need a dataset of image files "
            "(loadImageFolder); use pad for in-memory images");
    return;
  }
  Require(a.pad == 0, "crop padding does not apply to image files: use randomResizedCrop");
  Require(d.scale_min > 0 && d.scale_min <= d.scale_max,
          "randomResizedCrop scale must be [min, max] with 0 < min <= max");
  Require(d.ratio_min > 0 && d.ratio_min <= d.ratio_max,
          "randomResizedCrop ratio must be [min, max] with 0 < min <= max");
  Require(d.brightness >= 0 && d.contrast >= 0 && d.saturation >= 0, "colorJitter strengths must be >= 0");
}

// Sources that decode files are worth several threads; copying in-memory images is not.
int64_t LoaderThreads(const ImageSource& source, int64_t requested) {
  if (requested > 0) return requested;
  if (!source.decodes()) return 1;
  return std::clamp<int64_t>(static_cast<int64_t>(std::thread::hardware_concurrency()), 1, 4);
}

}  // namespace

BatchLoader::BatchLoader(std::shared_ptr<const DatasetView> view, LoaderOptions options)
    : view_(std::move(view)), options_(std::move(options)) {
  Require(options_.batch_size > 0, "batch size must be positive");
  Require(view_->size() > 0, "dataset '" + view_->name + "' is empty");
  const ImageShape shape = view_->source->shape();
  const auto& a = options_.augment;
  Require(a.mean.size() == 1 || static_cast<int64_t>(a.mean.size()) == shape.channels,
          "normalization mean needs 1 or " + std::to_string(shape.channels) + " values");
  Require(a.std.size() == a.mean.size(), "normalization mean and std need the same number of values");
  Require(a.pad >= 0 && a.pad < shape.height && a.pad < shape.width,
          "crop padding must be in [0, image size)");
  RequireDecodeTransform(*view_->source, a);
  lut_.resize(static_cast<size_t>(shape.channels));
  for (int64_t c = 0; c < shape.channels; ++c) {
    const size_t k = a.mean.size() == 1 ? 0 : static_cast<size_t>(c);
    Require(a.std[k] > 0.0f, "normalization std must be positive");
    for (int v = 0; v < 256; ++v)
      lut_[static_cast<size_t>(c)][static_cast<size_t>(v)] = (v / 255.0f - a.mean[k]) / a.std[k];
  }
  order_ = view_->indices;
  if (options_.shuffle)
    SeededRandom(DeriveSeed(options_.seed, static_cast<uint64_t>(options_.epoch))).Shuffle(order_);
  Require(options_.shard_count >= 1 && options_.shard_rank >= 0 && options_.shard_rank < options_.shard_count,
          "shard rank must be in [0, shard count)");
  const int64_t n = view_->size();
  const int64_t global_batch = options_.batch_size * options_.shard_count;
  const bool whole_batches = options_.drop_last || options_.shard_count > 1;
  batches_ = whole_batches ? n / global_batch : (n + global_batch - 1) / global_batch;
  Require(batches_ > 0, "dataset '" + view_->name + "' has fewer items (" + std::to_string(n) +
                            ") than one batch (" + std::to_string(global_batch) +
                            (options_.shard_count > 1 ? " over all ranks" : "") + ") with drop_last");
  const int64_t threads = LoaderThreads(*view_->source, options_.decode_threads);
  prefetcher_ = std::make_unique<Prefetcher<Batch>>(
      batches_, std::max(options_.prefetch, threads), [this](int64_t index) { return MakeBatch(index); },
      threads);
}

std::optional<Batch> BatchLoader::Next() {
  for (;;) {
    std::optional<Batch> batch = prefetcher_->Next();
    if (!batch || batch->labels.size(0) > 0) return batch;
    // Data parallel: every rank must take every step, or the ranks' collectives stop matching.
    if (options_.shard_count > 1) {
      Fail(codes::kData,
           "no image of one of this rank's batches could be read (dataset '" + view_->name +
               "'): remove the unreadable files the warning names, then run the same command to "
               "resume; data-parallel ranks cannot skip a step");
    }
  }
}

Batch BatchLoader::MakeBatch(int64_t index) const {
  const ImageShape shape = view_->source->shape();
  const int64_t begin = (index * options_.shard_count + options_.shard_rank) * options_.batch_size;
  const int64_t count = std::min<int64_t>(options_.batch_size, view_->size() - begin);
  auto float_options = torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(options_.pin_memory);
  Batch batch{
      torch::empty({count, shape.channels, shape.height, shape.width}, float_options),
      torch::empty({count}, torch::TensorOptions().dtype(torch::kLong).pinned_memory(options_.pin_memory))};
  float* out = batch.images.data_ptr<float>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  std::vector<uint8_t> pixels(static_cast<size_t>(shape.numel()));
  const AugmentSpec& a = options_.augment;
  const uint64_t epoch_seed = DeriveSeed(options_.seed, static_cast<uint64_t>(options_.epoch));
  const int64_t hw = shape.height * shape.width;

  int64_t kept = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t position = begin + i;
    const int64_t source_index = order_[static_cast<size_t>(position)];
    // One stream per position: a decoding source's crop and jitter draws first, then pad and flip.
    SeededRandom draw(DeriveSeed(epoch_seed, static_cast<uint64_t>(position)));
    // A file that cannot be decoded is dropped with its label (the source counts it).
    if (!view_->source->ReadTransformed(source_index, a.decode, draw, pixels.data())) continue;
    labels[kept] = view_->source->Label(source_index);
    int64_t dy = 0, dx = 0;
    if (a.pad > 0) {
      dy = static_cast<int64_t>(draw.Below(static_cast<uint64_t>(2 * a.pad + 1))) - a.pad;
      dx = static_cast<int64_t>(draw.Below(static_cast<uint64_t>(2 * a.pad + 1))) - a.pad;
    }
    const bool flip = a.flip && draw.Below(2) == 1;
    float* dst = out + kept++ * shape.numel();
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
  if (kept < count) batch = {batch.images.narrow(0, 0, kept), batch.labels.narrow(0, 0, kept)};
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
