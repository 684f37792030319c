#include "data/resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace torchnas {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's, for 8-bit images

struct AxisWeights {
  int64_t ksize = 0;
  std::vector<int64_t> first;    // first input pixel of each output pixel
  std::vector<int64_t> taps;     // how many input pixels it reads
  std::vector<int32_t> weights;  // ksize per output pixel, fixed point
};

double Triangle(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// PIL's precompute_coeffs + normalize_coeffs_8bpc, for the kept outputs only; same arithmetic, so
// the same weights.
AxisWeights WeightsFor(const ResizeAxis& a) {
  const double scale = static_cast<double>(a.in_size) / static_cast<double>(a.out_size);
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;
  const double ss = 1.0 / filterscale;
  AxisWeights w;
  w.ksize = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  w.first.resize(static_cast<size_t>(a.out_count));
  w.taps.resize(static_cast<size_t>(a.out_count));
  w.weights.assign(static_cast<size_t>(a.out_count * w.ksize), 0);
  std::vector<double> k(static_cast<size_t>(w.ksize));
  for (int64_t i = 0; i < a.out_count; ++i) {
    const double center = (static_cast<double>(a.out_begin + i) + 0.5) * scale;
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(center - support + 0.5));
    const int64_t hi = std::min<int64_t>(a.in_size, static_cast<int64_t>(center + support + 0.5));
    const int64_t n = hi - lo;
    double sum = 0.0;
    for (int64_t t = 0; t < n; ++t) {
      sum += k[static_cast<size_t>(t)] = Triangle((static_cast<double>(t + lo) - center + 0.5) * ss);
    }
    int32_t* out = w.weights.data() + i * w.ksize;
    for (int64_t t = 0; t < n; ++t) {
      const double normalized = sum != 0.0 ? k[static_cast<size_t>(t)] / sum : k[static_cast<size_t>(t)];
      const double v = normalized * (1 << kPrecisionBits);
      out[t] = static_cast<int32_t>(v < 0 ? v - 0.5 : v + 0.5);
    }
    w.first[static_cast<size_t>(i)] = a.in_begin + lo;
    w.taps[static_cast<size_t>(i)] = n;
  }
  return w;
}

inline uint8_t Clip8(int32_t v) {
  if (v >= (1 << kPrecisionBits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<uint8_t>(v >> kPrecisionBits);
}

// Rows [row0, row0 + rows) of the input, resized horizontally into tmp (interleaved RGB).
void Horizontal(const uint8_t* rgb, int64_t width, int64_t row0, int64_t rows, const AxisWeights& xw,
                uint8_t* tmp) {
  const int64_t out_w = static_cast<int64_t>(xw.first.size());
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* src = rgb + (row0 + r) * width * 3;
    uint8_t* dst = tmp + r * out_w * 3;
    for (int64_t i = 0; i < out_w; ++i) {
      const int32_t* k = xw.weights.data() + i * xw.ksize;
      const uint8_t* s = src + xw.first[static_cast<size_t>(i)] * 3;
      int32_t a0 = 1 << (kPrecisionBits - 1), a1 = a0, a2 = a0;
      for (int64_t t = 0; t < xw.taps[static_cast<size_t>(i)]; ++t) {
        a0 += s[3 * t] * k[t];
        a1 += s[3 * t + 1] * k[t];
        a2 += s[3 * t + 2] * k[t];
      }
      dst[3 * i] = Clip8(a0);
      dst[3 * i + 1] = Clip8(a1);
      dst[3 * i + 2] = Clip8(a2);
    }
  }
}

}  // namespace

void ResizeRgbToPlanar(const uint8_t* rgb, int64_t width, const ResizeAxis& y, const ResizeAxis& x,
                       uint8_t* dst) {
  const AxisWeights xw = WeightsFor(x), yw = WeightsFor(y);
  const int64_t out_w = x.out_count, out_h = y.out_count, plane = out_w * out_h;
  // Only the input rows some output row reads go through the horizontal pass.
  const int64_t row0 = yw.first.front();
  const int64_t rows = yw.first.back() + yw.taps.back() - row0;
  thread_local std::vector<uint8_t> tmp;
  thread_local std::vector<int32_t> acc;
  tmp.resize(static_cast<size_t>(rows * out_w * 3));
  acc.resize(static_cast<size_t>(out_w * 3));
  Horizontal(rgb, width, row0, rows, xw, tmp.data());
  const int64_t row_len = out_w * 3;
  for (int64_t o = 0; o < out_h; ++o) {
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    const int32_t* k = yw.weights.data() + o * yw.ksize;
    const uint8_t* base = tmp.data() + (yw.first[static_cast<size_t>(o)] - row0) * row_len;
    for (int64_t t = 0; t < yw.taps[static_cast<size_t>(o)]; ++t) {
      const uint8_t* row = base + t * row_len;
      const int32_t weight = k[t];
      int32_t* a = acc.data();
      for (int64_t j = 0; j < row_len; ++j) a[j] += row[j] * weight;
    }
    uint8_t* out = dst + o * out_w;
    for (int64_t i = 0; i < out_w; ++i) {
      out[i] = Clip8(acc[static_cast<size_t>(3 * i)]);
      out[plane + i] = Clip8(acc[static_cast<size_t>(3 * i + 1)]);
      out[2 * plane + i] = Clip8(acc[static_cast<size_t>(3 * i + 2)]);
    }
  }
}

}  // namespace torchnas
