// Deterministic host randomness for data order and augmentation: the same seed gives the same
// stream on every platform (std::shuffle and std::uniform_int_distribution do not promise that).
#pragma once
#include <cstdint>
#include <vector>

namespace torchnas {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(SplitMix64(seed)) {}
  uint64_t Next() { return state_ = SplitMix64(state_); }
  // Uniform in [0, n), n > 0 (Lemire's multiply-shift; the tiny bias is irrelevant here).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }

  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[Below(i)]);
  }

 private:
  uint64_t state_;
};

// A seed for stream `stream` of run `seed` (e.g. one per epoch, one per sample).
inline uint64_t DeriveSeed(uint64_t seed, uint64_t stream) {
  return SplitMix64(seed ^ SplitMix64(stream + 1));
}

}  // namespace torchnas
