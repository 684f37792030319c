// A one-shot elastic supernet (once-for-all / BigNAS style): fixed stem blocks, stages of elastic
// MBConv blocks, fixed head blocks whose first weighted block takes the last stage's chosen width.
// A subnet (ElasticChoice) is an argument of forward: resolution (the batch is resized), per stage
// its depth (the first d blocks run), width, and each block's kernel and expand ratio.
#pragma once
#include <torch/torch.h>

#include "nets/model.h"
#include "nets/network_spec.h"
#include "ops/elastic_mbconv.h"

namespace torchnas {

struct ElasticStageSpec {
  int64_t in_max = 0;
  std::vector<int64_t> widths, depths, kernels, expands;  // each sorted ascending
  int64_t stride = 1;
  double se_ratio = 0.0;
  Activation activation = Activation::kReLU6;
  bool kernel_transform = false;  // once-for-all's kernel transformation matrices
};

struct ElasticSpec {
  int64_t in_channels = 0;
  int64_t input_size = 0;  // the data's height and width
  int64_t classes = 0;
  std::vector<BlockSpec> stem;
  std::vector<ElasticStageSpec> stages;
  std::vector<BlockSpec> head;  // built for the widest last stage
  std::vector<int64_t> resolutions;
};

struct ElasticStageChoice {
  int64_t width = 0;
  std::vector<int64_t> kernels, expands;  // one per block; their count is the depth
};

struct ElasticChoice {
  int64_t resolution = 0;
  std::vector<ElasticStageChoice> stages;
};

// A subnet relaxed (ShiftNAS): the resolution is a hard choice whose weight scales the resized input
// (a straight-through gate), every block up to the largest depth runs in its masked form, and a block
// beyond a stage's smallest depth is gated: h + keep * (block(h) - h).
struct ElasticMasks {
  int64_t resolution = 0;
  torch::Tensor resolution_gate;
  std::vector<std::vector<ElasticBlockMasks>> blocks;  // per stage, per block
  std::vector<std::vector<torch::Tensor>> keep;        // per stage, per block; undefined: always runs
};

class ElasticNetImpl : public Model {
 public:
  explicit ElasticNetImpl(const ElasticSpec& spec);

  torch::Tensor forward(const torch::Tensor& x, const ElasticChoice& choice);
  torch::Tensor ForwardMasked(const torch::Tensor& x, const ElasticMasks& masks);
  const ElasticMBConvImpl& block(size_t stage, size_t index) const { return *stages_[stage][index]; }
  // Model::forward: the largest subnet.
  torch::Tensor forward(const torch::Tensor& x) override;

  const ElasticSpec& spec() const { return spec_; }
  ElasticChoice Largest() const;
  ElasticChoice Smallest() const;
  // Refuses a choice outside the space, naming the decision and its allowed values.
  void Check(const ElasticChoice& choice) const;
  // The standalone network's tensors (body.<k>.* of nets/network.cc) for `choice`: parameters and
  // buffers (or, with `pick` returning gradients, their gradients) sliced as forward slices them.
  NamedTensors Collect(const ElasticChoice& choice, const TensorPick& pick, bool gradients = false) const;
  void ReorderMiddleChannels();
  // Every BatchNorm's running statistics reset, and its momentum set (BN recalibration).
  void ResetBatchNormStats();
  void SetBatchNormMomentum(double momentum);

 private:
  torch::Tensor Resize(const torch::Tensor& x, int64_t resolution) const;
  torch::Tensor Head(const torch::Tensor& x, int64_t width);

  ElasticSpec spec_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<std::vector<ElasticMBConv>> stages_;
  torch::nn::Sequential head_{nullptr};
  size_t head_weighted_ = 0;  // the head block that takes the chosen width
};

}  // namespace torchnas
