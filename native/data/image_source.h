// Labelled images readable by index from any thread: decoded files held in memory, synthetic images,
// or image files decoded on demand on the loader's threads (data/image_folder.h).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/decode_transform.h"
#include "data/seeded_random.h"

namespace torchnas {

struct ImageShape {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t numel() const { return channels * height * width; }
};

// Files a decoding source could not read so far: how many (each file once), the first few as
// "path: why".
struct SkipReport {
  int64_t count = 0;
  std::vector<std::string> first;
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual int64_t size() const = 0;
  virtual ImageShape shape() const = 0;
  virtual int64_t classes() const = 0;
  // Writes image i as uint8, channel-major (C, H, W), into dst (shape().numel() bytes).
  virtual void Read(int64_t index, uint8_t* dst) const = 0;
  virtual int64_t Label(int64_t index) const = 0;

  // Sources that decode files crop and resize each image to shape() as `transform` says, drawing
  // their random choices from `draw`, and return false for a file they cannot read (kept in
  // Skipped(); the loader drops the image with its label). Fixed-size sources copy Read(), draw nothing.
  virtual bool decodes() const { return false; }
  virtual bool ReadTransformed(int64_t index, const DecodeTransform& transform, SeededRandom& draw,
                               uint8_t* dst) const {
    (void)transform;
    (void)draw;
    Read(index, dst);
    return true;
  }
  virtual SkipReport Skipped() const { return {}; }
  // The class names where the source has them (an image folder's subfolders), else none.
  virtual std::vector<std::string> ClassNames() const { return {}; }
};

// Decoded images held as one uint8 tensor [N, C, H, W] and int64 labels [N].
class InMemoryImages : public ImageSource {
 public:
  InMemoryImages(torch::Tensor images, torch::Tensor labels, int64_t classes);
  int64_t size() const override { return images_.size(0); }
  ImageShape shape() const override { return {images_.size(1), images_.size(2), images_.size(3)}; }
  int64_t classes() const override { return classes_; }
  void Read(int64_t index, uint8_t* dst) const override;
  int64_t Label(int64_t index) const override { return labels_ptr_[index]; }

 private:
  torch::Tensor images_;
  torch::Tensor labels_;
  const uint8_t* images_ptr_;
  const int64_t* labels_ptr_;
  int64_t classes_;
};

// A dataset as the session sees it: a source and the indices of it that belong to this split.
struct DatasetView {
  std::shared_ptr<const ImageSource> source;
  std::vector<int64_t> indices;
  std::string name;

  int64_t size() const { return static_cast<int64_t>(indices.size()); }
  // Counts of each class, for reports and stratification checks.
  std::vector<int64_t> ClassCounts() const;
};

std::shared_ptr<DatasetView> WholeView(std::shared_ptr<const ImageSource> source, std::string name);
// Seeded random split into (first, second) with `second_fraction` of the items in the second part.
std::pair<std::shared_ptr<DatasetView>, std::shared_ptr<DatasetView>> SplitView(const DatasetView& view,
                                                                                double second_fraction,
                                                                                uint64_t seed);
// The first `count` items (after a seeded shuffle when seed != 0): small runs and tests.
std::shared_ptr<DatasetView> SubsetView(const DatasetView& view, int64_t count, uint64_t seed);

}  // namespace torchnas
