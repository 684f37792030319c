#include "data/image_transform.h"

#include <cmath>
#include <vector>

namespace torchnas {
namespace {

// Python's round(): halves to even, as std::nearbyint does in the default rounding mode.
int64_t RoundHalfEven(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

CropResize CropThenResize(int64_t top, int64_t left, int64_t height, int64_t width, int64_t size) {
  return {{top, height, size, 0, size}, {left, width, size, 0, size}};
}

// PIL's rgb2l: L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
std::vector<uint8_t> Gray(const uint8_t* planar, int64_t pixels) {
  std::vector<uint8_t> gray(static_cast<size_t>(pixels));
  for (int64_t p = 0; p < pixels; ++p) {
    gray[static_cast<size_t>(p)] = static_cast<uint8_t>(
        (planar[p] * 19595 + planar[pixels + p] * 38470 + planar[2 * pixels + p] * 7471 + 0x8000) >> 16);
  }
  return gray;
}

// PIL's Image.blend(degenerate, image, factor): truncated toward zero, clipped when extrapolating.
inline uint8_t Blend(int degenerate, int value, float factor) {
  const float v = static_cast<float>(degenerate) + factor * static_cast<float>(value - degenerate);
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : static_cast<uint8_t>(v);
}

void Brightness(uint8_t* planar, int64_t pixels, float factor) {
  for (int64_t i = 0; i < 3 * pixels; ++i) planar[i] = Blend(0, planar[i], factor);
}

// Towards the mean grey level (PIL rounds it to an integer first).
void Contrast(uint8_t* planar, int64_t pixels, float factor) {
  const std::vector<uint8_t> gray = Gray(planar, pixels);
  double sum = 0.0;
  for (uint8_t g : gray) sum += g;
  const int mean = static_cast<int>(sum / static_cast<double>(pixels) + 0.5);
  for (int64_t i = 0; i < 3 * pixels; ++i) planar[i] = Blend(mean, planar[i], factor);
}

// Towards each pixel's own grey level.
void Saturation(uint8_t* planar, int64_t pixels, float factor) {
  const std::vector<uint8_t> gray = Gray(planar, pixels);
  for (int64_t c = 0; c < 3; ++c) {
    uint8_t* plane = planar + c * pixels;
    for (int64_t p = 0; p < pixels; ++p) plane[p] = Blend(gray[static_cast<size_t>(p)], plane[p], factor);
  }
}

float Factor(float strength, SeededRandom& draw) {
  const double low = std::max(0.0, 1.0 - strength), high = 1.0 + strength;
  return static_cast<float>(low + draw.Uniform() * (high - low));
}

}  // namespace

CropResize RandomResizedCrop(int64_t height, int64_t width, int64_t size, const DecodeTransform& t,
                             SeededRandom& draw) {
  const double area = static_cast<double>(height) * static_cast<double>(width);
  const double log_low = std::log(t.ratio_min), log_high = std::log(t.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (t.scale_min + draw.Uniform() * (t.scale_max - t.scale_min));
    const double aspect = std::exp(log_low + draw.Uniform() * (log_high - log_low));
    const int64_t w = RoundHalfEven(std::sqrt(target * aspect));
    const int64_t h = RoundHalfEven(std::sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const auto top = static_cast<int64_t>(draw.Below(static_cast<uint64_t>(height - h + 1)));
      const auto left = static_cast<int64_t>(draw.Below(static_cast<uint64_t>(width - w + 1)));
      return CropThenResize(top, left, h, w, size);
    }
  }
  // Ten misses (a very long or tall image): the centre crop, clamped to the ratio range.
  const double in_ratio = static_cast<double>(width) / static_cast<double>(height);
  int64_t w = width, h = height;
  if (in_ratio < t.ratio_min) {
    h = RoundHalfEven(static_cast<double>(w) / t.ratio_min);
  } else if (in_ratio > t.ratio_max) {
    w = RoundHalfEven(static_cast<double>(h) * t.ratio_max);
  }
  return CropThenResize((height - h) / 2, (width - w) / 2, h, w, size);
}

CropResize ResizeCenterCrop(int64_t height, int64_t width, int64_t size) {
  const int64_t shorter = RoundHalfEven(static_cast<double>(size) * 256.0 / 224.0);
  const auto h = static_cast<double>(height), w = static_cast<double>(width),
             s = static_cast<double>(shorter);
  int64_t new_h = shorter, new_w = shorter;
  // Resize's longer side: int(short * long / shorter_input), truncated as torchvision does.
  if (width <= height) {
    new_h = static_cast<int64_t>(s * h / w);
  } else {
    new_w = static_cast<int64_t>(s * w / h);
  }
  const int64_t top = RoundHalfEven(static_cast<double>(new_h - size) / 2.0);
  const int64_t left = RoundHalfEven(static_cast<double>(new_w - size) / 2.0);
  return {{0, height, new_h, top, size}, {0, width, new_w, left, size}};
}

void ColorJitter(uint8_t* planar, int64_t pixels, const DecodeTransform& t, SeededRandom& draw) {
  std::vector<int> order{0, 1, 2};
  draw.Shuffle(order);
  const float factors[3] = {Factor(t.brightness, draw), Factor(t.contrast, draw), Factor(t.saturation, draw)};
  const float strengths[3] = {t.brightness, t.contrast, t.saturation};
  for (int which : order) {
    if (strengths[which] <= 0.0f) continue;
    if (which == 0) Brightness(planar, pixels, factors[0]);
    if (which == 1) Contrast(planar, pixels, factors[1]);
    if (which == 2) Saturation(planar, pixels, factors[2]);
  }
}

}  // namespace torchnas
