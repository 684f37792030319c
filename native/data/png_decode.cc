// PNG decoding with libpng's low-level API: its transforms give 8-bit RGB from every colour type and
// depth. libpng reports errors by longjmp, so the reading runs in a frame with no C++ object to unwind.
#include <png.h>

#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "data/image_decode.h"

namespace torchnas {
namespace {

struct PngInput {
  const uint8_t* data;
  size_t size;
  size_t at;
  char message[256];
};

[[noreturn]] void OnPngError(png_structp png, png_const_charp message) {
  auto* input = static_cast<PngInput*>(png_get_error_ptr(png));
  std::snprintf(input->message, sizeof(input->message), "%s", message);
  png_longjmp(png, 1);
}

// Warnings (an odd ICC profile, a bad ancillary chunk's CRC) leave the pixels intact.
void OnPngWarning(png_structp, png_const_charp) {}

void ReadPngBytes(png_structp png, png_bytep dst, size_t count) {
  auto* input = static_cast<PngInput*>(png_get_io_ptr(png));
  if (count > input->size - input->at) png_error(png, "the file ends early (truncated)");
  std::memcpy(dst, input->data + input->at, count);
  input->at += count;
}

bool DecodePngInto(png_structp png, png_infop info, PngInput* input, DecodedImage* out) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, input, ReadPngBytes);
  png_read_info(png, info);
  const int64_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  if (width * height > kMaxImagePixels) png_error(png, "more pixels than the decoding limit");
  // As PIL's convert('RGB'): palette and low depths expanded, 16 bits cut to 8, alpha dropped.
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_gray_to_rgb(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != static_cast<size_t>(width * 3)) png_error(png, "unexpected row layout");
  out->height = height;
  out->width = width;
  out->rgb.resize(static_cast<size_t>(height * width * 3));
  for (int pass = 0; pass < passes; ++pass) {
    for (int64_t y = 0; y < height; ++y) png_read_row(png, out->rgb.data() + y * width * 3, nullptr);
  }
  return true;  // the chunks after the pixels (IEND, text) are not read: they cannot change them
}

}  // namespace

void DecodePng(const uint8_t* data, size_t size, DecodedImage& out) {
  PngInput input{data, size, 0, ""};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &input, OnPngError, OnPngWarning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    Fail(codes::kNative, "libpng could not start a decoder (out of memory?)");
  }
  const bool ok = DecodePngInto(png, info, &input, &out);
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) Fail(codes::kData, std::string("not a readable PNG (") + input.message + ")");
}

}  // namespace torchnas
