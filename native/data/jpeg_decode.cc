// JPEG decoding with libjpeg-turbo. libjpeg reports errors by longjmp, so the decoding itself runs in
// a frame that holds no C++ object needing unwinding, and the caller turns a failure into E_DATA.
#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <jerror.h>

#include "common/error.h"
#include "data/image_decode.h"

namespace torchnas {
namespace {

struct JpegErrors {
  jpeg_error_mgr mgr;  // first: libjpeg hands this struct's address back as cinfo->err
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void OnJpegError(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  cinfo->err->format_message(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

// libjpeg only warns when a file ends early (and pads the rest with grey); PIL refuses such a file
// and so do we. Other warnings (stray bytes between markers) leave a whole image and stay silent.
void OnJpegMessage(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) OnJpegError(cinfo);
}

// PIL reads CMYK JPEGs as Adobe-inverted and converts CMYK to RGB as (255 - C)(255 - K) / 255 with
// its rounding; raw samples here are the inverted ones, so 255 - C is the raw value.
void CmykToRgbInPlace(uint8_t* pixels, int64_t count) {
  for (int64_t p = 0; p < count; ++p) {
    const uint8_t* in = pixels + 4 * p;
    const int nk = in[3];
    uint8_t rgb[3];
    for (int c = 0; c < 3; ++c) {
      const int t = (255 - in[c]) * nk + 128;
      const int v = nk - (((t >> 8) + t) >> 8);
      rgb[c] = static_cast<uint8_t>(v < 0 ? 0 : v);
    }
    std::memcpy(pixels + 3 * p, rgb, 3);  // writes never pass the pixel being read
  }
}

bool DecodeJpegInto(jpeg_decompress_struct* cinfo, JpegErrors* errors, const uint8_t* data, size_t size,
                    DecodedImage* out) {
  if (setjmp(errors->jump)) return false;
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  if (static_cast<int64_t>(cinfo->image_width) * cinfo->image_height > kMaxImagePixels) {
    std::snprintf(errors->message, sizeof(errors->message), "%ux%u pixels is more than the limit of %lld",
                  cinfo->image_width, cinfo->image_height, static_cast<long long>(kMaxImagePixels));
    return false;
  }
  const bool cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;  // libjpeg-turbo expands grayscale to RGB
  jpeg_start_decompress(cinfo);
  const int64_t width = cinfo->output_width, height = cinfo->output_height;
  const int64_t row_bytes = width * cinfo->output_components;
  out->height = height;
  out->width = width;
  out->rgb.resize(static_cast<size_t>(height * row_bytes));
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW rows[4];
    for (int64_t r = 0; r < 4; ++r) {
      rows[r] = out->rgb.data() + std::min<int64_t>(cinfo->output_scanline + r, height - 1) * row_bytes;
    }
    jpeg_read_scanlines(cinfo, rows, 4);
  }
  // Every pixel is in: a missing end marker after them does not matter (no jpeg_finish_decompress).
  if (cmyk) {
    CmykToRgbInPlace(out->rgb.data(), height * width);
    out->rgb.resize(static_cast<size_t>(height * width * 3));
  }
  return true;
}

}  // namespace

void DecodeJpeg(const uint8_t* data, size_t size, DecodedImage& out) {
  jpeg_decompress_struct cinfo;
  std::memset(&cinfo, 0, sizeof(cinfo));  // jpeg_destroy_decompress is safe on it whatever happens
  JpegErrors errors;
  cinfo.err = jpeg_std_error(&errors.mgr);
  errors.mgr.error_exit = OnJpegError;
  errors.mgr.emit_message = OnJpegMessage;
  errors.message[0] = '\0';
  const bool ok = DecodeJpegInto(&cinfo, &errors, data, size, &out);
  jpeg_destroy_decompress(&cinfo);
  if (!ok) Fail(codes::kData, std::string("not a readable JPEG (") + errors.message + ")");
}

}  // namespace torchnas
