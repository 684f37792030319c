#include "data/image_folder.h"

#include <exception>
#include <new>

#include "common/error.h"
#include "data/image_decode.h"
#include "data/image_transform.h"

namespace torchnas {
namespace {

constexpr size_t kSkippedNamed = 5;  // bad files named in the report; the rest are counted

// Per loader thread: the file's bytes and its decoded pixels, reused from image to image.
thread_local std::vector<uint8_t> file_bytes;
thread_local DecodedImage decoded;

// A rare huge image should not pin its buffer on a loader thread for the rest of the run.
void ReleaseIfHuge() {
  if (decoded.rgb.capacity() > (size_t{64} << 20)) std::vector<uint8_t>().swap(decoded.rgb);
  if (file_bytes.capacity() > (size_t{64} << 20)) std::vector<uint8_t>().swap(file_bytes);
}

}  // namespace

ImageFolder::ImageFolder(std::string root, std::vector<std::string> paths, std::vector<int32_t> labels,
                         std::vector<std::string> class_names, int64_t classes, int64_t size)
    : root_(std::move(root)),
      labels_(std::move(labels)),
      class_names_(std::move(class_names)),
      classes_(classes),
      size_(size) {
  Require(paths.size() == labels_.size(), "one label per image file");
  Require(size_ >= 1, "the image size must be at least 1 pixel");
  offsets_.reserve(paths.size());
  size_t bytes = 0;
  for (const std::string& p : paths) bytes += p.size() + 1;
  names_.reserve(bytes);  // exactly: appending would leave up to half the buffer unused at 1.28 M files
  for (const std::string& p : paths) {
    offsets_.push_back(names_.size());
    names_.append(p).push_back('\0');
  }
  labels_.shrink_to_fit();
}

std::string ImageFolder::PathOf(int64_t index) const {
  return root_ + "/" + (names_.c_str() + offsets_[static_cast<size_t>(index)]);
}

bool ImageFolder::Decode(int64_t index, std::string* why) const {
  try {
    ReadFileBytes(PathOf(index), file_bytes);
    DecodeImage(file_bytes.data(), file_bytes.size(), decoded);
    return true;
  } catch (const std::bad_alloc&) {
    *why = "out of memory decoding it";
  } catch (const std::exception& e) {
    *why = e.what();  // E_DATA / E_IO from the reader and decoders, or anything else: never fatal here
  }
  std::lock_guard<std::mutex> lock(skipped_mutex_);
  if (skipped_.insert(index).second && first_skipped_.size() < kSkippedNamed) {
    first_skipped_.push_back(PathOf(index) + ": " + *why);
  }
  return false;
}

void ImageFolder::Read(int64_t index, uint8_t* dst) const {
  std::string why;
  if (!Decode(index, &why)) Fail(codes::kData, "'" + PathOf(index) + "': " + why);
  const CropResize crop = ResizeCenterCrop(decoded.height, decoded.width, size_);
  ResizeRgbToPlanar(decoded.rgb.data(), decoded.width, crop.y, crop.x, dst);
  ReleaseIfHuge();
}

bool ImageFolder::ReadTransformed(int64_t index, const DecodeTransform& transform, SeededRandom& draw,
                                  uint8_t* dst) const {
  std::string why;
  if (!Decode(index, &why)) return false;
  const CropResize crop = transform.random_crop
                              ? RandomResizedCrop(decoded.height, decoded.width, size_, transform, draw)
                              : ResizeCenterCrop(decoded.height, decoded.width, size_);
  ResizeRgbToPlanar(decoded.rgb.data(), decoded.width, crop.y, crop.x, dst);
  if (transform.jitter()) ColorJitter(dst, size_ * size_, transform, draw);
  ReleaseIfHuge();
  return true;
}

SkipReport ImageFolder::Skipped() const {
  std::lock_guard<std::mutex> lock(skipped_mutex_);
  return {static_cast<int64_t>(skipped_.size()), first_skipped_};
}

}  // namespace torchnas
