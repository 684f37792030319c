// Antialiased bilinear resampling as PIL's Image.resize(BILINEAR) does it (the path torchvision's
// transforms take on PIL images): a triangle filter widened by the reduction factor, 22-bit
// fixed-point weights, a horizontal pass then a vertical one, each rounded to 8 bits. Outputs match
// PIL's bit for bit; upscaling is plain bilinear.
#pragma once
#include <cstdint>

namespace torchnas {

// One axis of a resize: the input span [in_begin, in_begin + in_size) is resized to out_size pixels,
// of which [out_begin, out_begin + out_count) are kept (a crop after the resize).
struct ResizeAxis {
  int64_t in_begin = 0;
  int64_t in_size = 0;
  int64_t out_size = 0;
  int64_t out_begin = 0;
  int64_t out_count = 0;
};

// Resizes interleaved RGB rows (`width` pixels each) into planar dst [3, y.out_count, x.out_count].
void ResizeRgbToPlanar(const uint8_t* rgb, int64_t width, const ResizeAxis& y, const ResizeAxis& x,
                       uint8_t* dst);

}  // namespace torchnas
