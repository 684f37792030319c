// The geometry and colour transforms of torchvision's ImageNet recipe, on decoded RGB images.
#pragma once
#include <cstddef>  // seeded_random.h uses size_t
#include <cstdint>

#include "data/decode_transform.h"
#include "data/resample.h"
#include "data/seeded_random.h"

namespace torchnas {

struct CropResize {
  ResizeAxis y, x;
};

// torchvision's RandomResizedCrop.get_params (ten tries at a random area and log-uniform aspect
// ratio, then the centre crop clamped to the ratio range), resized to size x size.
CropResize RandomResizedCrop(int64_t height, int64_t width, int64_t size, const DecodeTransform& t,
                             SeededRandom& draw);

// torchvision's Resize(round(size * 256 / 224)) then CenterCrop(size).
CropResize ResizeCenterCrop(int64_t height, int64_t width, int64_t size);

// torchvision's ColorJitter(brightness, contrast, saturation) on PIL images: the three adjustments
// in a random order, each a PIL ImageEnhance blend; planar RGB, `pixels` per plane, in place.
void ColorJitter(uint8_t* planar, int64_t pixels, const DecodeTransform& t, SeededRandom& draw);

}  // namespace torchnas
