#include "common/error.h"
#include "data/byte_stream.h"
#include "data/readers.h"

namespace torchnas {

std::shared_ptr<InMemoryImages> ReadCifarBinary(const std::vector<std::string>& paths, CifarKind kind) {
  Require(!paths.empty(), "no CIFAR files given");
  constexpr int64_t kPixels = 3 * 32 * 32;
  const int64_t label_bytes = kind == CifarKind::kCifar10 ? 1 : 2;
  const int64_t classes = kind == CifarKind::kCifar10 ? 10 : 100;
  const int64_t record = label_bytes + kPixels;
  std::vector<uint8_t> bytes;
  std::vector<int64_t> labels;
  std::vector<uint8_t> buffer(static_cast<size_t>(record));
  for (const auto& path : paths) {
    ByteStream in(path);
    for (;;) {
      const uint64_t start = in.offset();
      size_t got = in.ReadSome(buffer.data(), buffer.size());
      if (got == 0) break;
      if (got != buffer.size()) {
        in.FailAt(start, "truncated CIFAR record: " + std::to_string(got) + " of " + std::to_string(record) +
                             " bytes (is this a " + (kind == CifarKind::kCifar10 ? "CIFAR-10" : "CIFAR-100") +
                             " binary file?)");
      }
      const int64_t label = buffer[static_cast<size_t>(label_bytes - 1)];
      if (label >= classes) {
        in.FailAt(start + static_cast<uint64_t>(label_bytes - 1), "label " + std::to_string(label) +
                                                                      " is out of range for " +
                                                                      std::to_string(classes) + " classes");
      }
      labels.push_back(label);
      bytes.insert(bytes.end(), buffer.begin() + label_bytes, buffer.end());
    }
    if (in.offset() == 0) in.FailAt(0, "empty CIFAR file");
  }
  const auto n = static_cast<int64_t>(labels.size());
  torch::Tensor images = torch::from_blob(bytes.data(), {n, 3, 32, 32}, torch::kByte).clone();
  torch::Tensor label_tensor = torch::from_blob(labels.data(), {n}, torch::kLong).clone();
  return std::make_shared<InMemoryImages>(images, label_tensor, classes);
}

}  // namespace torchnas
