// The batch data-dependent proxies see: the first batch of a seeded shuffle of a dataset, normalized
// as for training and fitted to the shape the model takes.
#pragma once
#include <torch/torch.h>

#include "data/batch_loader.h"
#include "data/image_source.h"

namespace torchnas {

struct ProxyBatch {
  torch::Tensor images;  // float32 [B, C, H, W], on the CPU
  torch::Tensor labels;  // int64 [B]; undefined when the images are noise
};

ProxyBatch LoadProxyBatch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                          const ImageShape& shape);

// Gaussian noise of `shape`, for proxies asked for without a dataset.
ProxyBatch NoiseBatch(int64_t batch_size, const ImageShape& shape, at::Generator& generator);

// Zero-pads (or center-crops) images to shape's height and width, and repeats a single channel to
// shape's channels: Fashion-MNIST's 1x28x28 becomes CIFAR's 3x32x32.
torch::Tensor FitToShape(const torch::Tensor& images, const ImageShape& shape);

}  // namespace torchnas
