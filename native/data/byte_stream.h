// Sequential reads from a plain or gzip-compressed file (zlib reads both), with errors that name the
// file and the byte offset (in the decompressed stream) where reading failed.
#pragma once
#include <zlib.h>

#include <cstdint>
#include <string>

namespace torchnas {

class ByteStream {
 public:
  explicit ByteStream(std::string path);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads exactly n bytes or throws E_DATA ("truncated"/"corrupt") naming `what`.
  void ReadExact(void* dst, size_t n, const char* what);
  // Reads up to n bytes; returns how many (0 at end of file).
  size_t ReadSome(void* dst, size_t n);
  uint32_t ReadBigEndian32(const char* what);
  uint64_t offset() const { return offset_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void FailAt(uint64_t offset, const std::string& message) const;

 private:
  std::string path_;
  gzFile file_ = nullptr;
  uint64_t offset_ = 0;
};

}  // namespace torchnas
