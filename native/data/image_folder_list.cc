// Listing an image folder (torchvision ImageFolder's order) or reading an image list file.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common/error.h"
#include "data/image_folder.h"

namespace torchnas {
namespace {

// The index is packed; the listing's per-file strings are freed: their pages go back to the system
// (at 1.28 M files the heap would otherwise hold them, most of the process's memory for the index).
std::shared_ptr<ImageFolder> Packed(std::shared_ptr<ImageFolder> folder) {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  return folder;
}

namespace fs = std::filesystem;

bool IsDecodable(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

void RequireFolder(const std::string& root, const char* what) {
  std::error_code ec;
  if (fs::is_directory(root, ec)) return;
  if (!fs::exists(root, ec)) {
    Fail(codes::kIo, std::string(what) + " '" + root + "' does not exist: check the path (`dataDir`)");
  }
  Fail(codes::kIo, std::string(what) + " '" + root + "' is not a folder");
}

// The files under one class folder in sorted(os.walk()) order: by folder, then by name.
std::vector<std::string> ClassFiles(const fs::path& root, const std::string& name, int64_t* others,
                                    std::string* other_example) {
  std::vector<std::pair<std::string, std::string>> found;  // (folder relative to root, file name)
  const auto options = fs::directory_options::follow_directory_symlink;
  for (const auto& entry : fs::recursive_directory_iterator(root / name, options)) {
    if (entry.is_directory()) continue;
    if (!IsDecodable(entry.path())) {
      if ((*others)++ == 0) *other_example = entry.path().filename().string();
      continue;
    }
    found.emplace_back(entry.path().parent_path().lexically_relative(root).string(),
                       entry.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> files;
  files.reserve(found.size());
  for (const auto& [folder, file] : found) files.push_back(folder + "/" + file);
  return files;
}

[[noreturn]] void FailEmptyClass(const fs::path& folder, int64_t others, const std::string& example) {
  std::string message = "class folder '" + folder.string() + "' holds no .jpg, .jpeg or .png image";
  if (others > 0) {
    message += " (it has " + std::to_string(others) + " other file(s), e.g. '" + example + "': convert them)";
  }
  Fail(codes::kInvalidArgument, message +
                                    ": add its images or remove the folder (every subfolder is a class, "
                                    "labelled by its place among the sorted names)");
}

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

}  // namespace

std::shared_ptr<ImageFolder> ListImageFolder(const std::string& root, int64_t size) {
  RequireFolder(root, "image folder");
  std::vector<std::string> class_names, paths;
  std::vector<int32_t> labels;
  try {
    for (const auto& entry : fs::directory_iterator(root)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory() && name[0] != '.') class_names.push_back(name);
    }
    std::sort(class_names.begin(), class_names.end());
    for (size_t c = 0; c < class_names.size(); ++c) {
      int64_t others = 0;
      std::string example;
      std::vector<std::string> files = ClassFiles(root, class_names[c], &others, &example);
      if (files.empty()) FailEmptyClass(fs::path(root) / class_names[c], others, example);
      for (std::string& f : files) paths.push_back(std::move(f));
      labels.resize(paths.size(), static_cast<int32_t>(c));
    }
  } catch (const fs::filesystem_error& e) {
    Fail(codes::kIo, "cannot list image folder '" + root + "': " + e.what());
  }
  if (class_names.empty()) {
    Fail(codes::kInvalidArgument, "image folder '" + root +
                                      "' has no class subfolders: it must hold one "
                                      "folder per class with the images inside (<root>/<class>/<image>.jpg), "
                                      "or use an image list");
  }
  const auto classes = static_cast<int64_t>(class_names.size());
  return Packed(std::make_shared<ImageFolder>(root, std::move(paths), std::move(labels),
                                              std::move(class_names), classes, size));
}

std::shared_ptr<ImageFolder> ReadImageList(const std::string& list, const std::string& root, int64_t size,
                                           int64_t classes) {
  std::ifstream in(list);
  if (!in) Fail(codes::kIo, "cannot open image list '" + list + "': " + std::strerror(errno));
  RequireFolder(root, "image root");
  std::vector<std::string> paths;
  std::vector<int32_t> labels;
  int32_t largest = -1;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find_last_of(" \t");
    const std::string where = "image list '" + list + "' line " + std::to_string(number);
    if (space == std::string::npos) {
      Fail(codes::kData, where + ": expected 'relative/path label', got '" + line + "'");
    }
    int32_t label = -1;
    const char* text = line.c_str() + space + 1;
    const auto parsed = std::from_chars(text, line.c_str() + line.size(), label);
    const bool whole = parsed.ec == std::errc() && parsed.ptr == line.c_str() + line.size();
    if (!whole || label < 0 || (classes > 0 && label >= classes)) {
      Fail(codes::kData, where + ": the label '" + std::string(text) + "' is not a whole number in [0, " +
                             (classes > 0 ? std::to_string(classes) : std::string("2^31")) + ")");
    }
    paths.push_back(Trim(line.substr(0, space)));
    labels.push_back(label);
    largest = std::max(largest, label);
  }
  if (paths.empty()) {
    Fail(codes::kInvalidArgument, "image list '" + list + "' has no 'relative/path label' line");
  }
  const int64_t count = classes > 0 ? classes : int64_t{largest} + 1;
  return Packed(std::make_shared<ImageFolder>(root, std::move(paths), std::move(labels),
                                              std::vector<std::string>{}, count, size));
}

}  // namespace torchnas
