// JS handle of a native DatasetView (the data stays native; JS sees sizes and gets small previews).
#pragma once
#include <napi.h>

#include <memory>

#include "data/image_source.h"

namespace torchnas {

class DatasetBinding : public Napi::ObjectWrap<DatasetBinding> {
 public:
  static Napi::Function Define(Napi::Env env);
  // Wraps a view in a new JS Dataset object (JS thread only).
  static Napi::Object Wrap(Napi::Env env, std::shared_ptr<DatasetView> view);
  // The view behind a JS Dataset argument; throws a TypeError for anything else.
  static std::shared_ptr<DatasetView> ViewOf(Napi::Value value);

  explicit DatasetBinding(const Napi::CallbackInfo& info);

 private:
  Napi::Value Describe(const Napi::CallbackInfo& info);
  Napi::Value Split(const Napi::CallbackInfo& info);
  Napi::Value Subset(const Napi::CallbackInfo& info);
  Napi::Value PreviewBatch(const Napi::CallbackInfo& info);

  std::shared_ptr<DatasetView> view_;
};

// Loader options from a JS object: {batchSize, shuffle, dropLast, seed, epoch, augment: {pad, flip,
// mean, std, randomResizedCrop, colorJitter}, prefetch, decodeThreads}.
struct LoaderOptions;
LoaderOptions ReadLoaderOptions(const Napi::Object& object);

}  // namespace torchnas
