// Decoders for the on-disk dataset formats torchnas reads natively.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/image_source.h"

namespace torchnas {

// MNIST / Fashion-MNIST IDX pair (images idx3-ubyte, labels idx1-ubyte), raw or .gz.
std::shared_ptr<InMemoryImages> ReadIdx(const std::string& images_path, const std::string& labels_path,
                                        int64_t classes);

// CIFAR binary batches (one or more files, concatenated). CIFAR-10: <label><3072 bytes>;
// CIFAR-100: <coarse><fine><3072 bytes>, labelled by the fine class.
enum class CifarKind { kCifar10, kCifar100 };
std::shared_ptr<InMemoryImages> ReadCifarBinary(const std::vector<std::string>& paths, CifarKind kind);

}  // namespace torchnas
