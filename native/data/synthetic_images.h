// Labelled random images generated on demand: benchmark input of any shape and count (ImageNet's
// 3x224x224 included) with no file and no memory held for the pixels.
#pragma once
#include <cstdint>

#include "data/image_source.h"

namespace torchnas {

class SyntheticImages : public ImageSource {
 public:
  SyntheticImages(int64_t count, ImageShape shape, int64_t classes, uint64_t seed);
  int64_t size() const override { return count_; }
  ImageShape shape() const override { return shape_; }
  int64_t classes() const override { return classes_; }
  // The same index gives the same bytes and label on every call and thread.
  void Read(int64_t index, uint8_t* dst) const override;
  int64_t Label(int64_t index) const override;

 private:
  int64_t count_;
  ImageShape shape_;
  int64_t classes_;
  uint64_t seed_;
};

}  // namespace torchnas
