// Session::SaveCheckpoint / LoadCheckpoint: one file holding model, optimizer and step. Written to a
// temporary file, flushed to disk and renamed over the target, so a crash never leaves a torn file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "train/checkpoint.h"

#include "common/error.h"
#include "train/session.h"

namespace torchnas {
namespace {

// A file LibTorch's archive writer streams into. Its first failed write is recorded and every later
// one reported as done: LibTorch's writer throws from its destructor when a write comes up short,
// which ends the process (std::terminate); the failure is raised once save_to has returned.
class CheckpointSink {
 public:
  explicit CheckpointSink(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    if (fd_ < 0) error_ = errno;
  }
  ~CheckpointSink() { Close(); }

  size_t Write(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    for (size_t left = size; left > 0 && error_ == 0;) {
      const ssize_t written = ::write(fd_, p, left);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) {
        error_ = written < 0 ? errno : ENOSPC;
        break;
      }
      p += written;
      left -= static_cast<size_t>(written);
    }
    return size;
  }

  // Flushes to disk and closes; the first error of the whole write, or 0.
  int Finish() {
    if (error_ == 0 && ::fsync(fd_) != 0) error_ = errno;
    if (Close() != 0 && error_ == 0) error_ = errno;
    return error_;
  }

 private:
  int Close() {
    const int result = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return result;
  }

  int fd_;
  int error_ = 0;
};

std::string WriteFailure(const std::string& path, int error) {
  std::string advice =
      error == ENOSPC || error == EDQUOT || error == EFBIG
          ? ": free space on that disk (or give a folder on another) and run the same command again to resume"
      : error == EACCES || error == EPERM || error == EROFS ? ": give a folder you can write to"
                                                            : "";
  return "cannot write '" + path + "': " + std::strerror(error) + advice;
}

void FsyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string Directory(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

}  // namespace

void WriteArchiveAtomically(torch::serialize::OutputArchive& root, const std::string& path) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  int error = 0;
  {
    CheckpointSink sink(temporary);
    try {
      root.save_to([&sink](const void* data, size_t size) { return sink.Write(data, size); });
    } catch (const c10::Error& e) {
      sink.Finish();
      std::remove(temporary.c_str());
      Fail(codes::kIo, "cannot write '" + path + "': " + e.what_without_backtrace());
    }
    error = sink.Finish();
  }
  if (error != 0) {
    std::remove(temporary.c_str());  // a failed write leaves no partial file behind
    Fail(codes::kIo, WriteFailure(path, error));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = errno;
    std::remove(temporary.c_str());
    Fail(codes::kIo, "cannot move the checkpoint into place at '" + path + "': " + std::strerror(error));
  }
  FsyncPath(Directory(path), true);
}

void Session::SaveCheckpoint(const std::string& path) {
  Model& model = RequireModel();
  // Data parallel: rank 0 writes (every rank holds the same state); all ranks go on once it is written,
  // so none reads a checkpoint before it exists.
  if (DistributedRank() != 0) {
    BarrierIfDistributed();
    return;
  }
  torch::serialize::OutputArchive root, model_archive, optimizer_archive;
  model.save(model_archive);
  root.write("model", model_archive);
  if (optimizer_) {
    optimizer_->save(optimizer_archive);
    root.write("optimizer", optimizer_archive);
  }
  root.write("global_step", torch::tensor(global_step_));
  for (const auto& extension : extensions_) extension->Save(root);
  WriteArchiveAtomically(root, path);
  BarrierIfDistributed();
}

void Session::LoadCheckpoint(const std::string& path) {
  Model& model = RequireModel();
  if (::access(path.c_str(), R_OK) != 0)
    Fail(codes::kIo, "checkpoint '" + path + "' does not exist or is not readable");
  torch::serialize::InputArchive root, model_archive, optimizer_archive;
  try {
    root.load_from(path, options_.exec.device);
    root.read("model", model_archive);
    model.load(model_archive);
    if (optimizer_ && root.try_read("optimizer", optimizer_archive)) optimizer_->load(optimizer_archive);
    torch::Tensor step;
    root.read("global_step", step);
    global_step_ = step.item<int64_t>();
    for (const auto& extension : extensions_) extension->Load(root);
  } catch (const c10::Error& e) {
    Fail(codes::kData, "checkpoint '" + path + "' cannot be loaded into this network (" +
                           e.what_without_backtrace() +
                           "): is it from another architecture or a damaged file?");
  }
  if (options_.exec.channels_last) ToChannelsLast(model);
}

void Session::LoadWeights(const std::string& path) {
  Model& model = RequireModel();
  if (::access(path.c_str(), R_OK) != 0)
    Fail(codes::kIo, "weights file '" + path + "' does not exist or is not readable");
  torch::serialize::InputArchive root, model_archive;
  try {
    root.load_from(path, options_.exec.device);
    root.read("model", model_archive);
    model.load(model_archive);
  } catch (const c10::Error& e) {
    Fail(codes::kData, "'" + path + "' does not hold weights for this network (" +
                           e.what_without_backtrace() +
                           "): export them from the same architecture (torchnas supernet extract)");
  }
  if (options_.exec.channels_last) ToChannelsLast(model);
}

}  // namespace torchnas
