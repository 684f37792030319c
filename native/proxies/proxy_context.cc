#include "proxies/proxy_context.h"

#include "common/error.h"

namespace torchnas {

ProxyContext::ProxyContext(Model& model, ProxyBatch batch, const ImageShape& shape,
                           const ExecutionConfig& exec, at::Generator generator)
    : model_(model),
      layers_(WeightLayers(model)),
      shape_(shape),
      exec_(exec),
      generator_(std::move(generator)) {
  images_ = PrepareInput(batch.images, exec_);
  if (batch.labels.defined()) labels_ = batch.labels.to(exec_.device);
}

const torch::Tensor& ProxyContext::Labels(int64_t classes) {
  if (!labels_.defined()) {
    labels_ =
        torch::randint(classes, {images_.size(0)}, generator_, torch::TensorOptions().dtype(torch::kLong))
            .to(exec_.device);
  } else {
    const int64_t largest = labels_.max().item<int64_t>();
    Require(largest < classes, "the dataset has labels up to " + std::to_string(largest) +
                                   " but the model only " + std::to_string(classes) + " classes");
  }
  return labels_;
}

torch::Tensor ProxyContext::Constant(int64_t batch, double value, torch::Dtype dtype) const {
  return torch::full({batch, shape_.channels, shape_.height, shape_.width}, value,
                     torch::TensorOptions().dtype(dtype).device(exec_.device));
}

torch::Tensor ProxyContext::Noise(int64_t batch) {
  return Gaussian({batch, shape_.channels, shape_.height, shape_.width});
}

torch::Tensor ProxyContext::Gaussian(at::IntArrayRef sizes) {
  // Drawn on the CPU: the same seed gives the same numbers on every device.
  return torch::randn(sizes, generator_).to(exec_.device);
}

const LossPass& ProxyContext::Loss() {
  if (!loss_) loss_ = RunLossPass(*this);
  return *loss_;
}

}  // namespace torchnas
