#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "data/byte_stream.h"
#include "data/readers.h"

namespace torchnas {
namespace {

constexpr uint32_t kIdxUnsignedByte = 0x08;

// Reads an IDX header; returns the dimensions. The magic is 0x00 0x00 <type> <ndims>.
std::vector<int64_t> ReadIdxHeader(ByteStream& in, uint32_t expected_dims) {
  uint32_t magic = in.ReadBigEndian32("the IDX magic number");
  if ((magic >> 16) != 0 || ((magic >> 8) & 0xff) != kIdxUnsignedByte || (magic & 0xff) != expected_dims) {
    char text[16];
    std::snprintf(text, sizeof(text), "0x%08x", magic);
    in.FailAt(0, std::string("not an IDX file of unsigned bytes with ") + std::to_string(expected_dims) +
                     " dimensions (magic " + text + ", expected 0x0000080" + std::to_string(expected_dims) +
                     ")");
  }
  std::vector<int64_t> dims;
  for (uint32_t d = 0; d < expected_dims; ++d) {
    uint64_t at = in.offset();
    uint32_t size = in.ReadBigEndian32("the IDX dimensions");
    if (size == 0 || size > (1u << 28)) in.FailAt(at, "implausible IDX dimension " + std::to_string(size));
    dims.push_back(size);
  }
  return dims;
}

}  // namespace

std::shared_ptr<InMemoryImages> ReadIdx(const std::string& images_path, const std::string& labels_path,
                                        int64_t classes) {
  ByteStream images_in(images_path);
  std::vector<int64_t> idims = ReadIdxHeader(images_in, 3);
  ByteStream labels_in(labels_path);
  std::vector<int64_t> ldims = ReadIdxHeader(labels_in, 1);
  if (ldims[0] != idims[0]) {
    Fail(codes::kData, "'" + labels_path + "' has " + std::to_string(ldims[0]) + " labels but '" +
                           images_path + "' has " + std::to_string(idims[0]) +
                           " images: the files do not belong together");
  }
  const int64_t n = idims[0];
  torch::Tensor images = torch::empty({n, 1, idims[1], idims[2]}, torch::kByte);
  images_in.ReadExact(images.data_ptr<uint8_t>(), static_cast<size_t>(images.numel()), "image pixels");
  torch::Tensor raw_labels = torch::empty({n}, torch::kByte);
  const uint64_t label_start = labels_in.offset();
  labels_in.ReadExact(raw_labels.data_ptr<uint8_t>(), static_cast<size_t>(n), "labels");
  const uint8_t* l = raw_labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (l[i] >= classes) {
      labels_in.FailAt(
          label_start + static_cast<uint64_t>(i),
          "label " + std::to_string(l[i]) + " is out of range for " + std::to_string(classes) + " classes");
    }
  }
  return std::make_shared<InMemoryImages>(images, raw_labels.to(torch::kLong), classes);
}

}  // namespace torchnas
