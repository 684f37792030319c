// Session::SaveCheckpoint / LoadCheckpoint: one file holding model, optimizer and step. Written to a
// temporary file, flushed to disk and renamed over the target, so a crash never leaves a torn file.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "train/checkpoint.h"

#include "common/error.h"
#include "search/shift_nas.h"
#include "train/session.h"

namespace torchnas {
namespace {

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
  try {
    root.save_to(temporary);
  } catch (const c10::Error& e) {
    std::remove(temporary.c_str());
    Fail(codes::kIo, "cannot write checkpoint '" + path + "': " + e.what_without_backtrace());
  }
  FsyncPath(temporary, false);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    Fail(codes::kIo, "cannot move the checkpoint into place at '" + path + "'");
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
  if (arch_) {
    torch::serialize::OutputArchive arch_archive;
    arch_->Save(arch_archive);
    root.write("architecture", arch_archive);
  }
  if (shiftnas_) {
    torch::serialize::OutputArchive shift_archive;
    shiftnas_->Save(shift_archive);
    root.write("shiftnas", shift_archive);
  }
  WriteArchiveAtomically(root, path);
  BarrierIfDistributed();
}

void Session::LoadCheckpoint(const std::string& path) {
  Model& model = RequireModel();
  if (::access(path.c_str(), R_OK) != 0) Fail(codes::kIo, "checkpoint '" + path + "' does not exist or is not readable");
  torch::serialize::InputArchive root, model_archive, optimizer_archive;
  try {
    root.load_from(path, options_.exec.device);
    root.read("model", model_archive);
    model.load(model_archive);
    if (optimizer_ && root.try_read("optimizer", optimizer_archive)) optimizer_->load(optimizer_archive);
    torch::Tensor step;
    root.read("global_step", step);
    global_step_ = step.item<int64_t>();
    torch::serialize::InputArchive arch_archive;
    if (arch_ && root.try_read("architecture", arch_archive)) arch_->Load(arch_archive);
    torch::serialize::InputArchive shift_archive;
    if (shiftnas_ && root.try_read("shiftnas", shift_archive)) shiftnas_->Load(shift_archive);
  } catch (const c10::Error& e) {
    Fail(codes::kData, "checkpoint '" + path + "' cannot be loaded into this network (" +
                           e.what_without_backtrace() + "): is it from another architecture or a damaged file?");
  }
  if (options_.exec.channels_last) ToChannelsLast(model);
}

void Session::LoadWeights(const std::string& path) {
  Model& model = RequireModel();
  if (::access(path.c_str(), R_OK) != 0) Fail(codes::kIo, "weights file '" + path + "' does not exist or is not readable");
  torch::serialize::InputArchive root, model_archive;
  try {
    root.load_from(path, options_.exec.device);
    root.read("model", model_archive);
    model.load(model_archive);
  } catch (const c10::Error& e) {
    Fail(codes::kData, "'" + path + "' does not hold weights for this network (" + e.what_without_backtrace() +
                           "): export them from the same architecture (torchnas supernet extract)");
  }
  if (options_.exec.channels_last) ToChannelsLast(model);
}

}  // namespace torchnas
