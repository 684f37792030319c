#include "data/image_source.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "common/error.h"
#include "data/seeded_random.h"

namespace torchnas {

InMemoryImages::InMemoryImages(torch::Tensor images, torch::Tensor labels, int64_t classes)
    : images_(images.contiguous()), labels_(labels.to(torch::kLong).contiguous()), classes_(classes) {
  TORCH_CHECK(images_.dim() == 4 && images_.scalar_type() == torch::kByte,
              "images must be uint8 [N, C, H, W]");
  TORCH_CHECK(labels_.dim() == 1 && labels_.size(0) == images_.size(0), "one label per image");
  images_ptr_ = images_.data_ptr<uint8_t>();
  labels_ptr_ = labels_.data_ptr<int64_t>();
}

void InMemoryImages::Read(int64_t index, uint8_t* dst) const {
  const int64_t n = shape().numel();
  std::memcpy(dst, images_ptr_ + index * n, static_cast<size_t>(n));
}

std::vector<int64_t> DatasetView::ClassCounts() const {
  std::vector<int64_t> counts(static_cast<size_t>(source->classes()), 0);
  for (int64_t i : indices) counts[static_cast<size_t>(source->Label(i))]++;
  return counts;
}

std::shared_ptr<DatasetView> WholeView(std::shared_ptr<const ImageSource> source, std::string name) {
  auto view = std::make_shared<DatasetView>();
  view->indices.resize(static_cast<size_t>(source->size()));
  std::iota(view->indices.begin(), view->indices.end(), 0);
  view->source = std::move(source);
  view->name = std::move(name);
  return view;
}

std::pair<std::shared_ptr<DatasetView>, std::shared_ptr<DatasetView>> SplitView(const DatasetView& view,
                                                                                double second_fraction,
                                                                                uint64_t seed) {
  Require(second_fraction > 0.0 && second_fraction < 1.0, "split fraction must be in (0, 1)");
  std::vector<int64_t> order = view.indices;
  SeededRandom(DeriveSeed(seed, 0x5d117)).Shuffle(order);
  const auto second_size = static_cast<size_t>(static_cast<double>(order.size()) * second_fraction + 0.5);
  Require(second_size > 0 && second_size < order.size(), "split leaves one side empty: dataset too small");
  auto first = std::make_shared<DatasetView>();
  auto second = std::make_shared<DatasetView>();
  first->source = second->source = view.source;
  first->name = view.name + "/train";
  second->name = view.name + "/valid";
  second->indices.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(second_size));
  first->indices.assign(order.begin() + static_cast<std::ptrdiff_t>(second_size), order.end());
  // Sorted indices keep reads sequential; order within an epoch comes from the loader's shuffle.
  std::sort(first->indices.begin(), first->indices.end());
  std::sort(second->indices.begin(), second->indices.end());
  return {first, second};
}

std::shared_ptr<DatasetView> SubsetView(const DatasetView& view, int64_t count, uint64_t seed) {
  Require(count > 0, "subset size must be positive");
  std::vector<int64_t> order = view.indices;
  if (seed != 0) SeededRandom(DeriveSeed(seed, 0x5b5e7)).Shuffle(order);
  order.resize(static_cast<size_t>(std::min<int64_t>(count, view.size())));
  std::sort(order.begin(), order.end());
  auto subset = std::make_shared<DatasetView>();
  subset->source = view.source;
  subset->indices = std::move(order);
  subset->name = view.name + "[:" + std::to_string(count) + "]";
  return subset;
}

}  // namespace torchnas
