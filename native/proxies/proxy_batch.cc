#include "proxies/proxy_batch.h"

#include "common/error.h"

namespace torchnas {
namespace {

// Pads (positive) or crops (negative) one spatial dimension symmetrically, the odd pixel at the end.
std::pair<int64_t, int64_t> Margins(int64_t from, int64_t to) {
  const int64_t total = to - from;
  const int64_t before = total >= 0 ? total / 2 : -((-total) / 2);
  return {before, total - before};
}

}  // namespace

torch::Tensor FitToShape(const torch::Tensor& images, const ImageShape& shape) {
  torch::Tensor x = images;
  const int64_t channels = x.size(1);
  if (channels != shape.channels) {
    Require(channels == 1, "the dataset's images have " + std::to_string(channels) +
                               " channels, the model takes " + std::to_string(shape.channels));
    x = x.expand({x.size(0), shape.channels, x.size(2), x.size(3)});
  }
  if (x.size(2) != shape.height || x.size(3) != shape.width) {
    const auto [top, bottom] = Margins(x.size(2), shape.height);
    const auto [left, right] = Margins(x.size(3), shape.width);
    // constant_pad_nd crops where a margin is negative.
    x = torch::constant_pad_nd(x, {left, right, top, bottom}, 0.0);
  }
  return x.contiguous();
}

ProxyBatch LoadProxyBatch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                          const ImageShape& shape) {
  Require(data->size() > 0, "the dataset is empty");
  loader.shuffle = true;
  loader.drop_last = false;
  loader.augment.pad = 0;
  loader.augment.flip = false;
  loader.prefetch = 1;
  loader.batch_size = std::min(loader.batch_size, data->size());
  BatchLoader batches(std::move(data), loader);
  std::optional<Batch> batch = batches.Next();
  return {FitToShape(batch->images, shape), batch->labels};
}

ProxyBatch NoiseBatch(int64_t batch_size, const ImageShape& shape, at::Generator& generator) {
  return {torch::randn({batch_size, shape.channels, shape.height, shape.width}, generator), torch::Tensor()};
}

}  // namespace torchnas
