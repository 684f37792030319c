// JPEG (libjpeg-turbo) and PNG (libpng) files decoded to 8-bit RGB, the way PIL's
// Image.open(f).convert('RGB') sees them: grayscale replicated, palette expanded, alpha dropped (not
// composited), 16-bit samples cut to their high byte, CMYK JPEGs converted as PIL converts them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace torchnas {

struct DecodedImage {
  int64_t height = 0;
  int64_t width = 0;
  std::vector<uint8_t> rgb;  // height * width * 3, row-major, channels interleaved (HWC)
};

// Images above this many pixels are refused (PIL's decompression-bomb limit): a corrupt header
// must not make a loader thread allocate gigabytes.
inline constexpr int64_t kMaxImagePixels = 178956970;

// Decodes a whole JPEG or PNG file held in memory (the format is told by its first bytes, not the
// file name) into `out`, reusing its buffer. Throws E_DATA saying what is wrong with the file: not
// an image, truncated, corrupt, too large.
void DecodeImage(const uint8_t* data, size_t size, DecodedImage& out);
void DecodeJpeg(const uint8_t* data, size_t size, DecodedImage& out);
void DecodePng(const uint8_t* data, size_t size, DecodedImage& out);

// Reads a whole file into `bytes` (reusing its buffer). Throws E_IO when it cannot be opened or read.
void ReadFileBytes(const std::string& path, std::vector<uint8_t>& bytes);

}  // namespace torchnas
