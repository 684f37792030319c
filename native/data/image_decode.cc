#include "data/image_decode.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/error.h"

namespace torchnas {

void DecodeImage(const uint8_t* data, size_t size, DecodedImage& out) {
  static const uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return DecodeJpeg(data, size, out);
  if (size >= 8 && std::memcmp(data, kPngSignature, 8) == 0) return DecodePng(data, size, out);
  if (size == 0) Fail(codes::kData, "the file is empty");
  char start[3 * 4 + 1] = "";
  for (size_t i = 0; i < std::min<size_t>(size, 4); ++i) std::snprintf(start + 3 * i, 4, "%02x ", data[i]);
  Fail(codes::kData, std::string("neither a JPEG nor a PNG file (it starts with bytes ") + start + "...)");
}

void ReadFileBytes(const std::string& path, std::vector<uint8_t>& bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  struct stat info {};
  if (!file || fstat(fileno(file.get()), &info) != 0) {
    Fail(codes::kIo, std::string("cannot open it: ") + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) Fail(codes::kIo, "it is not a regular file");
  bytes.resize(static_cast<size_t>(info.st_size));
  const size_t got = std::fread(bytes.data(), 1, bytes.size(), file.get());
  if (got != bytes.size()) {
    Fail(codes::kIo,
         "read " + std::to_string(got) + " of its " + std::to_string(bytes.size()) + " bytes" +
             (std::ferror(file.get()) ? std::string(": ") + std::strerror(errno) : std::string()));
  }
}

}  // namespace torchnas
