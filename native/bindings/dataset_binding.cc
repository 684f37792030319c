#include "bindings/dataset_binding.h"

#include "bindings/addon_state.h"
#include "boundary/async_call.h"
#include "boundary/js_args.h"
#include "data/batch_loader.h"
#include "data/image_folder.h"
#include "data/readers.h"
#include "data/synthetic_images.h"

namespace torchnas {
namespace {

std::vector<float> Floats(const Napi::Object& object, const char* key, std::vector<float> fallback) {
  if (!js::Has(object, key)) return fallback;
  Napi::Value v = object.Get(key);
  if (v.IsNumber()) return {v.As<Napi::Number>().FloatValue()};
  if (!v.IsArray())
    js::ThrowInvalid(object.Env(), std::string("expected a number or an array for '") + key + "'");
  Napi::Array array = v.As<Napi::Array>();
  std::vector<float> out;
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(array.Get(i).As<Napi::Number>().FloatValue());
  return out;
}

std::vector<std::string> Strings(const Napi::Object& object, const char* key) {
  Napi::Value v = object.Get(key);
  if (!v.IsArray())
    js::ThrowInvalid(object.Env(), std::string("expected an array of paths for '") + key + "'");
  Napi::Array array = v.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(array.Get(i).ToString().Utf8Value());
  return out;
}

// loadIdx({images, labels, classes, name}) -> Promise<Dataset>
Napi::Value LoadIdx(const Napi::CallbackInfo& info) {
  Napi::Object o = js::ObjectArg(info, 0, "loadIdx");
  std::string images = js::String(o, "images"), labels = js::String(o, "labels");
  std::string name = js::String(o, "name", "idx");
  int64_t classes = js::Integer(o, "classes", 10);
  return RunDetached(info.Env(), [=]() -> MakeJsValue {
    auto view = WholeView(ReadIdx(images, labels, classes), name);
    return [view](Napi::Env env) { return DatasetBinding::Wrap(env, view); };
  });
}

// loadCifar({files, kind: 'cifar10' | 'cifar100', name}) -> Promise<Dataset>
Napi::Value LoadCifar(const Napi::CallbackInfo& info) {
  Napi::Object o = js::ObjectArg(info, 0, "loadCifar");
  std::vector<std::string> files = Strings(o, "files");
  std::string kind = js::String(o, "kind");
  if (kind != "cifar10" && kind != "cifar100")
    js::ThrowInvalid(info.Env(), "kind must be cifar10 or cifar100");
  std::string name = js::String(o, "name", kind);
  return RunDetached(info.Env(), [=]() -> MakeJsValue {
    auto view = WholeView(
        ReadCifarBinary(files, kind == "cifar10" ? CifarKind::kCifar10 : CifarKind::kCifar100), name);
    return [view](Napi::Env env) { return DatasetBinding::Wrap(env, view); };
  });
}

// loadImageFolder({root, list?, size, classes?, name}) -> Promise<Dataset>: image files decoded on
// demand, from <root>/<class>/<file> or, with `list`, from its "relative/path label" lines.
Napi::Value LoadImageFolder(const Napi::CallbackInfo& info) {
  Napi::Object o = js::ObjectArg(info, 0, "loadImageFolder");
  std::string root = js::String(o, "root"), list = js::String(o, "list", "");
  int64_t size = js::Integer(o, "size", 224), classes = js::Integer(o, "classes", 0);
  std::string name = js::String(o, "name", "image-folder");
  if (size < 1 || size > 4096)
    js::ThrowInvalid(info.Env(), "size must be a whole number of pixels in [1, 4096]");
  return RunDetached(info.Env(), [=]() -> MakeJsValue {
    std::shared_ptr<ImageSource> source;
    if (list.empty())
      source = ListImageFolder(root, size);
    else
      source = ReadImageList(list, root, size, classes);
    auto view = WholeView(std::move(source), name);
    return [view](Napi::Env env) { return DatasetBinding::Wrap(env, view); };
  });
}

// augment.randomResizedCrop: true or {scale: [min, max], ratio: [min, max]}; augment.colorJitter:
// {brightness, contrast, saturation}.
void ReadDecodeTransform(const Napi::Object& a, DecodeTransform& d) {
  if (js::Has(a, "randomResizedCrop")) {
    Napi::Value v = a.Get("randomResizedCrop");
    d.random_crop = v.IsObject() || (v.IsBoolean() && v.As<Napi::Boolean>().Value());
    if (v.IsObject()) {
      Napi::Object crop = v.As<Napi::Object>();
      std::vector<float> scale = Floats(crop, "scale", {0.0f, 0.0f}),
                         ratio = Floats(crop, "ratio", {0.0f, 0.0f});
      if (scale.size() != 2 || ratio.size() != 2) {
        js::ThrowInvalid(a.Env(), "randomResizedCrop scale and ratio are [min, max]");
      }
      // Given values only: the defaults stay exact doubles (0.08, 3/4, 4/3).
      if (js::Has(crop, "scale")) d.scale_min = scale[0], d.scale_max = scale[1];
      if (js::Has(crop, "ratio")) d.ratio_min = ratio[0], d.ratio_max = ratio[1];
    }
  }
  if (js::Has(a, "colorJitter")) {
    Napi::Object jitter = js::ObjectField(a, "colorJitter");
    d.brightness = static_cast<float>(js::Number(jitter, "brightness", 0));
    d.contrast = static_cast<float>(js::Number(jitter, "contrast", 0));
    d.saturation = static_cast<float>(js::Number(jitter, "saturation", 0));
  }
}

// syntheticDataset({count, channels, height, width, classes, seed, name}) -> Dataset: random images
// generated on demand (benchmarks at any input shape; no file, no pixels held in memory).
Napi::Value SyntheticDataset(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "syntheticDataset");
    ImageShape shape{js::Integer(o, "channels"), js::Integer(o, "height"), js::Integer(o, "width")};
    auto source = std::make_shared<SyntheticImages>(js::Integer(o, "count"), shape, js::Integer(o, "classes"),
                                                    static_cast<uint64_t>(js::Integer(o, "seed", 0)));
    return DatasetBinding::Wrap(info.Env(), WholeView(source, js::String(o, "name", "synthetic")));
  });
}

}  // namespace

LoaderOptions ReadLoaderOptions(const Napi::Object& o) {
  LoaderOptions options;
  options.batch_size = js::Integer(o, "batchSize", options.batch_size);
  options.shuffle = js::Bool(o, "shuffle", options.shuffle);
  options.drop_last = js::Bool(o, "dropLast", options.drop_last);
  options.seed = static_cast<uint64_t>(js::Integer(o, "seed", 0));
  options.epoch = js::Integer(o, "epoch", 0);
  options.prefetch = js::Integer(o, "prefetch", options.prefetch);
  if (js::Has(o, "augment")) {
    Napi::Object a = js::ObjectField(o, "augment");
    options.augment.pad = js::Integer(a, "pad", 0);
    options.augment.flip = js::Bool(a, "flip", false);
    options.augment.mean = Floats(a, "mean", {0.0f});
    options.augment.std = Floats(a, "std", {1.0f});
    ReadDecodeTransform(a, options.augment.decode);
  }
  options.decode_threads = js::Integer(o, "decodeThreads", 0);
  if (options.batch_size <= 0 || options.prefetch <= 0)
    js::ThrowInvalid(o.Env(), "batchSize and prefetch must be positive");
  if (options.decode_threads < 0 || options.decode_threads > 64) {
    js::ThrowInvalid(o.Env(), "decodeThreads must be in [0, 64] (0: automatic)");
  }
  return options;
}

Napi::Function DatasetBinding::Define(Napi::Env env) {
  return DefineClass(
      env, "Dataset",
      {InstanceMethod<&DatasetBinding::Describe>("describe"), InstanceMethod<&DatasetBinding::Split>("split"),
       InstanceMethod<&DatasetBinding::Subset>("subset"),
       InstanceMethod<&DatasetBinding::PreviewBatch>("previewBatch")});
}

DatasetBinding::DatasetBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatasetBinding>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    js::ThrowInvalid(info.Env(), "Dataset objects come from loadIdx/loadCifar, not from new Dataset()");
  }
  view_ = *info[0].As<Napi::External<std::shared_ptr<DatasetView>>>().Data();
}

Napi::Object DatasetBinding::Wrap(Napi::Env env, std::shared_ptr<DatasetView> view) {
  auto holder = std::make_unique<std::shared_ptr<DatasetView>>(std::move(view));
  auto external = Napi::External<std::shared_ptr<DatasetView>>::New(
      env, holder.get(), [](Napi::Env, std::shared_ptr<DatasetView>* p) { delete p; });
  holder.release();
  return State(env).dataset_constructor.New({external});
}

std::shared_ptr<DatasetView> DatasetBinding::ViewOf(Napi::Value value) {
  if (!value.IsObject() ||
      !value.As<Napi::Object>().InstanceOf(State(value.Env()).dataset_constructor.Value())) {
    js::ThrowInvalid(value.Env(), "expected a Dataset (from loadIdx, loadCifar or loadImageFolder)");
  }
  return DatasetBinding::Unwrap(value.As<Napi::Object>())->view_;
}

Napi::Value DatasetBinding::Describe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  ImageShape shape = view_->source->shape();
  out.Set("name", view_->name);
  out.Set("size", static_cast<double>(view_->size()));
  out.Set("classes", static_cast<double>(view_->source->classes()));
  Napi::Array dims = Napi::Array::New(env, 3);
  dims.Set(0u, static_cast<double>(shape.channels));
  dims.Set(1u, static_cast<double>(shape.height));
  dims.Set(2u, static_cast<double>(shape.width));
  out.Set("shape", dims);
  std::vector<int64_t> counts = view_->ClassCounts();
  Napi::Array count_array = Napi::Array::New(env, counts.size());
  for (size_t i = 0; i < counts.size(); ++i)
    count_array.Set(static_cast<uint32_t>(i), static_cast<double>(counts[i]));
  out.Set("classCounts", count_array);
  std::vector<std::string> names = view_->source->ClassNames();
  if (!names.empty()) {
    Napi::Array name_array = Napi::Array::New(env, names.size());
    for (size_t i = 0; i < names.size(); ++i) name_array.Set(static_cast<uint32_t>(i), names[i]);
    out.Set("classNames", name_array);
  }
  if (view_->source->decodes()) {
    SkipReport skipped = view_->source->Skipped();
    out.Set("skippedImages", static_cast<double>(skipped.count));
    Napi::Array files = Napi::Array::New(env, skipped.first.size());
    for (size_t i = 0; i < skipped.first.size(); ++i) files.Set(static_cast<uint32_t>(i), skipped.first[i]);
    out.Set("skippedFiles", files);
  }
  return out;
}

Napi::Value DatasetBinding::Split(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "split");
    auto [first, second] =
        SplitView(*view_, js::Number(o, "fraction"), static_cast<uint64_t>(js::Integer(o, "seed", 0)));
    Napi::Array out = Napi::Array::New(info.Env(), 2);
    out.Set(0u, Wrap(info.Env(), first));
    out.Set(1u, Wrap(info.Env(), second));
    return out;
  });
}

Napi::Value DatasetBinding::Subset(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = js::ObjectArg(info, 0, "subset");
    return Wrap(info.Env(), SubsetView(*view_, js::Integer(o, "count"),
                                       static_cast<uint64_t>(js::Integer(o, "seed", 0))));
  });
}

// previewBatch(loaderOptions, index) -> {images: Float32Array, labels: Int32Array, shape}: the batch a
// training epoch would see at that position (tests and visual checks of augmentation).
Napi::Value DatasetBinding::PreviewBatch(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    LoaderOptions options = ReadLoaderOptions(js::ObjectArg(info, 0, "previewBatch"));
    int64_t index = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
    BatchLoader loader(view_, options);
    if (index < 0 || index >= loader.batches()) js::ThrowInvalid(env, "batch index out of range");
    std::optional<Batch> batch;
    for (int64_t i = 0; i <= index; ++i) batch = loader.Next();
    if (!batch)
      js::ThrowInvalid(env, "batch index out of range (batches of undecodable files only are left out)");
    Napi::Float32Array images = Napi::Float32Array::New(env, static_cast<size_t>(batch->images.numel()));
    std::memcpy(images.Data(), batch->images.data_ptr<float>(), images.ByteLength());
    Napi::Int32Array labels = Napi::Int32Array::New(env, static_cast<size_t>(batch->labels.numel()));
    const int64_t* l = batch->labels.data_ptr<int64_t>();
    for (size_t i = 0; i < labels.ElementLength(); ++i) labels[i] = static_cast<int32_t>(l[i]);
    Napi::Array shape = Napi::Array::New(env, 4);
    for (uint32_t d = 0; d < 4; ++d) shape.Set(d, static_cast<double>(batch->images.size(d)));
    Napi::Object out = Napi::Object::New(env);
    out.Set("images", images);
    out.Set("labels", labels);
    out.Set("shape", shape);
    return out;
  });
}

Napi::Object InitDatasetBinding(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DatasetBinding::Define(env);
  State(env).dataset_constructor = Napi::Persistent(constructor);
  exports.Set("Dataset", constructor);
  exports.Set("loadIdx", Napi::Function::New(env, LoadIdx, "loadIdx"));
  exports.Set("loadCifar", Napi::Function::New(env, LoadCifar, "loadCifar"));
  exports.Set("loadImageFolder", Napi::Function::New(env, LoadImageFolder, "loadImageFolder"));
  exports.Set("syntheticDataset", Napi::Function::New(env, SyntheticDataset, "syntheticDataset"));
  return exports;
}

}  // namespace torchnas
