// Writing a checkpoint archive so that a crash never leaves a torn file: a temporary file, flushed
// to disk and renamed over the target.
#pragma once
#include <torch/torch.h>

#include <string>

namespace torchnas {

void WriteArchiveAtomically(torch::serialize::OutputArchive& root, const std::string& path);

}  // namespace torchnas
