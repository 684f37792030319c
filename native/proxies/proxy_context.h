// What every proxy computes from: the model, its scored layers, the input shape, the batch and a
// seeded generator of its own (sessions on other threads may draw at the same time), plus the passes
// several proxies share, computed once on first use.
#pragma once
#include <torch/torch.h>

#include <optional>

#include "common/device.h"
#include "nets/model.h"
#include "proxies/loss_pass.h"
#include "proxies/model_layers.h"
#include "proxies/proxy_batch.h"

namespace torchnas {

class ProxyContext {
 public:
  ProxyContext(Model& model, ProxyBatch batch, const ImageShape& shape, const ExecutionConfig& exec,
               at::Generator generator);

  Model& model() { return model_; }
  const std::vector<WeightLayer>& layers() const { return layers_; }
  // The batch, on the model's device.
  const torch::Tensor& images() const { return images_; }
  // The batch's labels; without a dataset, drawn uniformly over `classes` once.
  const torch::Tensor& Labels(int64_t classes);
  // Inputs of the model's shape on its device, for data-free proxies.
  torch::Tensor Constant(int64_t batch, double value, torch::Dtype dtype) const;
  torch::Tensor Noise(int64_t batch);
  // Unit Gaussian of any shape, on the model's device.
  torch::Tensor Gaussian(at::IntArrayRef sizes);
  // The cross-entropy forward/backward on the batch that grad_norm, snip and fisher read.
  const LossPass& Loss();

 private:
  Model& model_;
  std::vector<WeightLayer> layers_;
  ImageShape shape_;
  ExecutionConfig exec_;
  at::Generator generator_;
  torch::Tensor images_;
  torch::Tensor labels_;
  std::optional<LossPass> loss_;
};

}  // namespace torchnas
