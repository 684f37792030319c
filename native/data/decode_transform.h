// What a source that decodes image files does to each one on read: torchvision's RandomResizedCrop
// (training) or Resize + CenterCrop (evaluation) to the source's output size, then optional
// ColorJitter. Random choices come from the loader's per-position stream, so they are seeded by
// (seed, epoch, position) like every other augmentation.
#pragma once

namespace torchnas {

struct DecodeTransform {
  bool random_crop =
      false;  // RandomResizedCrop; false: resize the shorter side to size*256/224, crop the centre
  double scale_min = 0.08, scale_max = 1.0;             // of the image's area
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;  // width / height
  // ColorJitter strengths: each factor is drawn from [max(0, 1 - s), 1 + s]; 0 leaves it out.
  float brightness = 0.0f, contrast = 0.0f, saturation = 0.0f;

  bool jitter() const { return brightness > 0.0f || contrast > 0.0f || saturation > 0.0f; }
};

}  // namespace torchnas
