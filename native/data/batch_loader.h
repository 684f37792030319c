// Makes training batches on loader threads: seeded shuffle, augmentation (random crop with padding
// or, for image files, random resized crop and colour jitter; horizontal flip), normalization to
// float. The order and every augmentation draw depend only on (seed, epoch, position), so a resumed
// epoch sees exactly the batches it would have seen.
#pragma once
#include <torch/torch.h>

#include <array>
#include <memory>
#include <optional>

#include "data/image_source.h"
#include "data/prefetcher.h"

namespace torchnas {

struct AugmentSpec {
  int64_t pad = 0;                // random crop of the original size from the image padded by `pad` (0: off)
  bool flip = false;              // horizontal flip with probability 1/2
  std::vector<float> mean{0.0f};  // per channel, in [0, 1] units; one value broadcasts
  std::vector<float> std{1.0f};
  DecodeTransform decode;  // sources that decode files: random resized crop or centre crop, jitter
};

struct LoaderOptions {
  int64_t batch_size = 128;
  bool shuffle = true;
  bool drop_last = false;
  uint64_t seed = 0;
  int64_t epoch = 0;
  AugmentSpec augment;
  int64_t prefetch = 3;  // batches made ahead (at least one per thread)
  // Threads making batches; 0: min(4, hardware threads) for sources that decode files, else 1.
  int64_t decode_threads = 0;
  bool pin_memory = false;
  // Data parallelism: each step's global batch of batch_size * shard_count positions of the shuffled
  // order is split in rank order; rank shard_rank takes its batch_size. Every rank makes the same
  // number of full batches (the remainder is left out, a different part each epoch).
  int64_t shard_rank = 0;
  int64_t shard_count = 1;
};

// B is batch_size but for the last batch, or when files that failed to decode were dropped.
struct Batch {
  torch::Tensor images;  // float32 [B, C, H, W]
  torch::Tensor labels;  // int64 [B]
};

class BatchLoader {
 public:
  BatchLoader(std::shared_ptr<const DatasetView> view, LoaderOptions options);
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch, or nullopt after the last. Rethrows a failure of a loader thread. A batch whose
  // every file failed to decode is left out.
  std::optional<Batch> Next();
  int64_t batches() const { return batches_; }

 private:
  Batch MakeBatch(int64_t index) const;

  std::shared_ptr<const DatasetView> view_;
  LoaderOptions options_;
  std::vector<int64_t> order_;
  int64_t batches_ = 0;
  std::vector<std::array<float, 256>> lut_;        // uint8 -> normalized float, per channel
  std::unique_ptr<Prefetcher<Batch>> prefetcher_;  // last: its thread stops before the rest is freed
};

// The first batch of `data` in its stored order (no shuffling): what one-batch probes and checks
// look at. Throws E_INVALID_ARGUMENT when the view holds no image.
Batch FirstBatch(std::shared_ptr<const DatasetView> data, LoaderOptions loader);

}  // namespace torchnas
