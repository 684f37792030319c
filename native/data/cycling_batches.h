// Batches of a dataset without end: when one pass is done the next starts, in a fresh order (pass p
// of epoch e is loader epoch e * 1000 + p), so a step that needs "the next batch" never runs dry.
#pragma once
#include <memory>

#include "data/batch_loader.h"

namespace torchnas {

class CyclingBatches {
 public:
  CyclingBatches(std::shared_ptr<const DatasetView> data, LoaderOptions loader)
      : data_(std::move(data)), loader_(std::move(loader)), epoch_(loader_.epoch) {}

  Batch Next() {
    for (;;) {
      if (!batches_) {
        LoaderOptions o = loader_;
        o.epoch = epoch_ * 1000 + pass_++;
        batches_ = std::make_unique<BatchLoader>(data_, o);
      }
      if (auto b = batches_->Next()) return *b;
      batches_.reset();
    }
  }

 private:
  std::shared_ptr<const DatasetView> data_;
  LoaderOptions loader_;
  int64_t epoch_;
  int64_t pass_ = 0;
  std::unique_ptr<BatchLoader> batches_;
};

}  // namespace torchnas
