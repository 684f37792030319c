// Labelled image files decoded on demand (never all held in memory): torchvision's ImageFolder
// layout (<root>/<class>/<file>, classes = the sorted subfolder names) or a list of
// "relative/path label" lines. Each read decodes one JPEG or PNG and transforms it to size x size RGB.
// A file that cannot be read or decoded is skipped (Read* returns false) and remembered, never fatal.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "data/image_source.h"

namespace torchnas {

class ImageFolder : public ImageSource {
 public:
  // `paths` are relative to `root`, one label each in [0, classes).
  ImageFolder(std::string root, std::vector<std::string> paths, std::vector<int32_t> labels,
              std::vector<std::string> class_names, int64_t classes, int64_t size);

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  ImageShape shape() const override { return {3, size_, size_}; }
  int64_t classes() const override { return classes_; }
  int64_t Label(int64_t index) const override { return labels_[static_cast<size_t>(index)]; }
  // The evaluation transform; throws E_DATA for a file it cannot decode.
  void Read(int64_t index, uint8_t* dst) const override;
  bool decodes() const override { return true; }
  bool ReadTransformed(int64_t index, const DecodeTransform& transform, SeededRandom& draw,
                       uint8_t* dst) const override;
  SkipReport Skipped() const override;
  std::vector<std::string> ClassNames() const override { return class_names_; }

  std::string PathOf(int64_t index) const;

 private:
  // Decodes file `index` into the calling thread's buffer; false (and remembered) when it cannot.
  bool Decode(int64_t index, std::string* why) const;

  std::string root_;
  std::string names_;              // the relative paths, each ended by '\0' (one allocation for millions)
  std::vector<uint64_t> offsets_;  // where each starts in names_
  std::vector<int32_t> labels_;
  std::vector<std::string> class_names_;
  int64_t classes_;
  int64_t size_;
  mutable std::mutex skipped_mutex_;
  mutable std::unordered_set<int64_t> skipped_;
  mutable std::vector<std::string> first_skipped_;
};

// torchvision ImageFolder's listing of <root>/<class>/**/<file>: class folders sorted by name (hidden
// ones left out), files walked in sorted order, .jpg/.jpeg/.png only (any case). A missing root is
// E_IO; a root without class folders, or a class folder without such a file, is E_INVALID_ARGUMENT.
std::shared_ptr<ImageFolder> ListImageFolder(const std::string& root, int64_t size);

// A text file of "relative/path label" lines (paths relative to `root`; blank lines and lines that
// start with '#' are skipped). classes <= 0: the largest label + 1.
std::shared_ptr<ImageFolder> ReadImageList(const std::string& list, const std::string& root, int64_t size,
                                           int64_t classes);

}  // namespace torchnas
