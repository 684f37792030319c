#include "spaces/nb201_network.h"

#include "common/error.h"
#include "ops/batch_norm_stats.h"
#include "ops/resnet_basic_block.h"

namespace torchnas {

Nb201NetworkImpl::Nb201NetworkImpl(const Nb201Spec& spec)
    : Nb201NetworkImpl(
          spec, [&spec](int64_t width) { return torch::nn::AnyModule(Nb201Cell(spec.ops, width, true)); }) {}

Nb201NetworkImpl::Nb201NetworkImpl(const Nb201Spec& spec, const CellFactory& make_cell) : spec_(spec) {
  Require(spec.classes >= 1, "an NB201 network needs at least one class");
  Require(spec.channels >= 1 && spec.cells_per_stage >= 1 && spec.in_channels >= 1,
          "NB201 channels, cells per stage and input channels must be positive");
  const int64_t c = spec.channels;
  stem_ = register_module(
      "stem", torch::nn::Sequential(
                  torch::nn::Conv2d(torch::nn::Conv2dOptions(spec.in_channels, c, 3).padding(1).bias(false)),
                  torch::nn::BatchNorm2d(c)));
  cells_ = register_module("cells", torch::nn::ModuleList());
  int64_t width = c;
  for (int64_t stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      cell_ops_.emplace_back(ResNetBasicBlock(ResNetBasicBlockOptions(width, 2 * width, 2)));
      is_cell_.push_back(false);
      width *= 2;
    }
    for (int64_t i = 0; i < spec.cells_per_stage; ++i) {
      cell_ops_.push_back(make_cell(width));
      is_cell_.push_back(true);
    }
  }
  for (auto& cell : cell_ops_) cells_->push_back(cell.ptr());
  lastact_ = register_module("lastact", torch::nn::BatchNorm2d(width));
  classifier_ = register_module("classifier", torch::nn::Linear(width, spec.classes));
}

torch::Tensor Nb201NetworkImpl::ForwardFeatures(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == spec_.in_channels, "expected input of shape [B, ",
              spec_.in_channels, ", H, W], got ", x.sizes());
  torch::Tensor h = stem_->forward(x);
  for (size_t i = 0; i < cell_ops_.size(); ++i) h = RunCell(i, h);
  return torch::relu(BatchNormForward(lastact_, h));
}

torch::Tensor Nb201NetworkImpl::forward(const torch::Tensor& x) {
  return classifier_->forward(ForwardFeatures(x).mean({2, 3}));
}

std::shared_ptr<Nb201NetworkImpl> BuildNb201Network(const Nb201Spec& spec) {
  return std::make_shared<Nb201NetworkImpl>(spec);
}

}  // namespace torchnas
