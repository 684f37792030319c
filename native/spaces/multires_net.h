// FBNetV5's multi-resolution multitask supernet, HRNet-like: a stride-2 stem, parallel branches at
// strides 2, 4, 8 (...) built from the stem by strided convolutions, `stages` stages of `depth`
// skippable MBConv blocks per branch, each stage closed by a fusion where every branch receives the
// sum of all branches resized to it. Heads: classification on the lowest resolution, segmentation and
// anchor-free (CenterNet-style) detection on all branches fused at the highest resolution.
// A block is numbered (stage * branches + branch) * depth + position. The supernet has every block and
// skips those a mask drops (the block is residual, so skipping is the identity); a derived network is
// built from the same spec with `present` naming the blocks it keeps, and holds no other block.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nets/model.h"
#include "ops/conv_bn_act.h"
#include "ops/mbconv.h"

namespace torchnas {

enum class TaskHead { kClassify, kSegment, kDetect };
TaskHead ParseTaskHead(const std::string& name);
const char* TaskHeadName(TaskHead head);

struct MultiresSpec {
  int64_t in_channels = 1;
  int64_t classes = 10;
  std::vector<int64_t> widths{16, 32, 64};  // one per branch, highest resolution first
  int64_t stages = 3;
  int64_t depth = 2;
  int64_t kernel = 3;
  int64_t expand = 3;
  int64_t head_width = 32;
  std::vector<TaskHead> heads{TaskHead::kClassify, TaskHead::kSegment, TaskHead::kDetect};
  std::vector<bool> present;  // empty: every block (the supernet)

  int64_t branches() const { return static_cast<int64_t>(widths.size()); }
  int64_t blocks() const { return stages * branches() * depth; }
  int64_t BlockIndex(int64_t stage, int64_t branch, int64_t position) const {
    return (stage * branches() + branch) * depth + position;
  }
  void Check() const;
};

// What the heads return; a head not built leaves its tensors undefined.
struct MultitaskOutputs {
  torch::Tensor logits;   // [B, classes]
  torch::Tensor segment;  // [B, classes + 1, H, W] at the input resolution
  torch::Tensor heatmap;  // [B, classes, H/2, W/2], logits of object centres
  torch::Tensor boxes;    // [B, 4, H/2, W/2]: centre offset (x, y) in cells, size (w, h) in cells
};

// The detection head's output stride (input pixels per heatmap cell).
constexpr int64_t kDetectStride = 2;

// A session's model (nets/model.h): its plain forward is the classification head on every present
// block, so the core's evaluation and probes apply; the multitask search calls Forward.
class MultiresNetImpl : public Model {
 public:
  explicit MultiresNetImpl(MultiresSpec spec);
  torch::Tensor forward(const torch::Tensor& x) override;
  // `keep`: one flag per block of the spec (the supernet's mask); empty keeps every present block.
  // Only the heads in `heads` run (empty: all built heads).
  MultitaskOutputs Forward(const torch::Tensor& x, const std::vector<bool>& keep = {},
                           const std::vector<TaskHead>& heads = {});
  const MultiresSpec& spec() const { return spec_; }
  bool HasHead(TaskHead head) const;

 private:
  std::vector<torch::Tensor> Fuse(int64_t stage, const std::vector<torch::Tensor>& branches);
  torch::Tensor FuseHighResolution(const std::vector<torch::Tensor>& branches);

  MultiresSpec spec_;
  ConvBnAct stem_{nullptr};
  std::vector<torch::nn::Sequential> transitions_;           // stem -> branch r (r strided convs)
  std::vector<MBConv> blocks_;                               // by block index; null when absent
  std::vector<std::vector<torch::nn::Sequential>> fusions_;  // [stage * R + to][from]; null for to == from
  ConvBnAct high_res_{nullptr};  // concat of all branches at stride 2 -> head width
  torch::nn::Linear classifier_{nullptr};
  torch::nn::Conv2d segment_{nullptr};
  ConvBnAct detect_depthwise_{nullptr};  // a depthwise-separable trunk keeps the head light
  ConvBnAct detect_pointwise_{nullptr};
  torch::nn::Conv2d heatmap_{nullptr};
  torch::nn::Conv2d box_{nullptr};
};
TORCH_MODULE(MultiresNet);

}  // namespace torchnas
