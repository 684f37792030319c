#include "data/byte_stream.h"

#include <sys/stat.h>

#include <climits>

#include "common/error.h"

namespace torchnas {

ByteStream::ByteStream(std::string path) : path_(std::move(path)) {
  struct stat info {};
  if (stat(path_.c_str(), &info) != 0) {
    Fail(codes::kIo, "cannot open '" + path_ + "': no such file (check `dataDir`, or run scripts/setup.sh)");
  }
  if (S_ISDIR(info.st_mode)) Fail(codes::kIo, "'" + path_ + "' is a directory, expected a file");
  file_ = gzopen(path_.c_str(), "rb");
  if (file_ == nullptr) Fail(codes::kIo, "cannot open '" + path_ + "' for reading");
  gzbuffer(file_, 1 << 20);
}

ByteStream::~ByteStream() {
  if (file_ != nullptr) gzclose(file_);
}

void ByteStream::FailAt(uint64_t offset, const std::string& message) const {
  Fail(codes::kData, "'" + path_ + "' at byte " + std::to_string(offset) + ": " + message);
}

size_t ByteStream::ReadSome(void* dst, size_t n) {
  size_t total = 0;
  auto* out = static_cast<uint8_t*>(dst);
  while (total < n) {
    const auto chunk = static_cast<unsigned>(std::min<size_t>(n - total, INT_MAX / 2));
    int got = gzread(file_, out + total, chunk);
    if (got < 0) {
      int errnum = 0;
      const char* message = gzerror(file_, &errnum);
      FailAt(offset_ + total, std::string("corrupt compressed data (") + message + ")");
    }
    if (got == 0) {
      int errnum = 0;
      const char* message = gzerror(file_, &errnum);
      if (errnum != Z_OK && errnum != Z_STREAM_END) {
        FailAt(offset_ + total, std::string("corrupt or truncated compressed data (") + message + ")");
      }
      break;
    }
    total += static_cast<size_t>(got);
  }
  offset_ += total;
  return total;
}

void ByteStream::ReadExact(void* dst, size_t n, const char* what) {
  const uint64_t start = offset_;
  size_t got = ReadSome(dst, n);
  if (got != n) {
    FailAt(start + got, std::string("file is truncated while reading ") + what + ": expected " +
                            std::to_string(n) + " bytes from byte " + std::to_string(start) + ", got " +
                            std::to_string(got));
  }
}

uint32_t ByteStream::ReadBigEndian32(const char* what) {
  uint8_t b[4];
  ReadExact(b, 4, what);
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

}  // namespace torchnas
