#include "data/synthetic_images.h"

#include <cstring>

#include "common/error.h"

namespace torchnas {
namespace {

// splitmix64: a fast, well-mixed stream from any 64-bit state.
uint64_t NextMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

SyntheticImages::SyntheticImages(int64_t count, ImageShape shape, int64_t classes, uint64_t seed)
    : count_(count), shape_(shape), classes_(classes), seed_(seed) {
  Require(count >= 1, "a synthetic dataset needs at least one image");
  Require(shape.channels >= 1 && shape.height >= 1 && shape.width >= 1,
          "synthetic images need a positive shape");
  Require(classes >= 2, "a synthetic dataset needs at least 2 classes");
}

void SyntheticImages::Read(int64_t index, uint8_t* dst) const {
  uint64_t state = seed_ * 0x2545f4914f6cdd1dULL + static_cast<uint64_t>(index);
  const int64_t n = shape_.numel();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t word = NextMix(state);
    std::memcpy(dst + i, &word, 8);
  }
  if (i < n) {
    const uint64_t word = NextMix(state);
    std::memcpy(dst + i, &word, static_cast<size_t>(n - i));
  }
}

int64_t SyntheticImages::Label(int64_t index) const {
  uint64_t state = ~seed_ ^ (static_cast<uint64_t>(index) * 0x9e3779b97f4a7c15ULL);
  return static_cast<int64_t>(NextMix(state) % static_cast<uint64_t>(classes_));
}

}  // namespace torchnas
