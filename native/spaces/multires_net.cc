#include "spaces/multires_net.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace torchnas {
namespace F = torch::nn::functional;

TaskHead ParseTaskHead(const std::string& name) {
  if (name == "cls") return TaskHead::kClassify;
  if (name == "seg") return TaskHead::kSegment;
  if (name == "det") return TaskHead::kDetect;
  Fail(codes::kInvalidArgument, "unknown task '" + name + "' (known: cls, seg, det)");
}

const char* TaskHeadName(TaskHead head) {
  switch (head) {
    case TaskHead::kClassify:
      return "cls";
    case TaskHead::kSegment:
      return "seg";
    case TaskHead::kDetect:
      return "det";
  }
  return "?";
}

void MultiresSpec::Check() const {
  Require(!widths.empty() && widths.size() <= 4, "a multi-resolution space has 1 to 4 branches");
  for (int64_t w : widths) Require(w > 0, "branch widths must be positive");
  Require(stages >= 1 && depth >= 1, "stages and depth must be positive");
  Require(kernel % 2 == 1 && expand >= 1 && head_width > 0 && classes >= 2 && in_channels >= 1,
          "kernel must be odd, expand, headWidth and inChannels positive, and classes at least 2");
  Require(!heads.empty(), "a multitask network needs at least one head");
  Require(present.empty() || static_cast<int64_t>(present.size()) == blocks(),
          "a derived network names " + std::to_string(blocks()) + " blocks, got " +
              std::to_string(present.size()));
}

namespace {

torch::nn::Sequential Downsampler(int64_t from_width, int64_t to_width, int64_t steps) {
  torch::nn::Sequential chain;
  for (int64_t s = 0; s < steps; ++s) {
    const bool last = s + 1 == steps;
    chain->push_back(ConvBnAct(ConvBnActOptions(from_width, last ? to_width : from_width, 3)
                                   .stride(2)
                                   .activation(last ? Activation::kNone : Activation::kReLU)));
  }
  return chain;
}

torch::Tensor Upsample(const torch::Tensor& x, int64_t factor) {
  if (factor == 1) return x;
  return F::interpolate(
      x, F::InterpolateFuncOptions()
             .scale_factor(std::vector<double>{static_cast<double>(factor), static_cast<double>(factor)})
             .mode(torch::kNearest));
}

}  // namespace

MultiresNetImpl::MultiresNetImpl(MultiresSpec spec) : spec_(std::move(spec)) {
  spec_.Check();
  const int64_t r_count = spec_.branches();
  stem_ =
      register_module("stem", ConvBnAct(ConvBnActOptions(spec_.in_channels, spec_.widths[0], 3).stride(2)));
  for (int64_t r = 0; r < r_count; ++r) {
    torch::nn::Sequential t =
        r == 0 ? torch::nn::Sequential() : Downsampler(spec_.widths[0], spec_.widths[r], r);
    if (r > 0) t->push_back(torch::nn::Functional([](torch::Tensor x) { return torch::relu(x); }));
    transitions_.push_back(register_module("transition" + std::to_string(r), t));
  }
  blocks_.assign(static_cast<size_t>(spec_.blocks()), MBConv(nullptr));
  for (int64_t s = 0; s < spec_.stages; ++s) {
    for (int64_t r = 0; r < r_count; ++r) {
      for (int64_t d = 0; d < spec_.depth; ++d) {
        const int64_t b = spec_.BlockIndex(s, r, d);
        if (!spec_.present.empty() && !spec_.present[static_cast<size_t>(b)]) continue;
        const int64_t w = spec_.widths[r];
        blocks_[static_cast<size_t>(b)] = register_module(
            "block" + std::to_string(b),
            MBConv(MBConvOptions(w, w, spec_.kernel, spec_.expand).activation(Activation::kReLU)));
      }
    }
    for (int64_t to = 0; to < r_count; ++to) {
      std::vector<torch::nn::Sequential> row(static_cast<size_t>(r_count));
      for (int64_t from = 0; from < r_count; ++from) {
        if (from == to) continue;
        const std::string name =
            "fuse" + std::to_string(s) + "_" + std::to_string(from) + "to" + std::to_string(to);
        row[static_cast<size_t>(from)] = register_module(
            name, from > to ? torch::nn::Sequential(
                                  ConvBnAct(ConvBnActOptions(spec_.widths[from], spec_.widths[to], 1)
                                                .activation(Activation::kNone)))
                            : Downsampler(spec_.widths[from], spec_.widths[to], to - from));
      }
      fusions_.push_back(std::move(row));
    }
  }
  int64_t all_widths = 0;
  for (int64_t w : spec_.widths) all_widths += w;
  const bool dense = HasHead(TaskHead::kSegment) || HasHead(TaskHead::kDetect);
  if (dense)
    high_res_ = register_module("high_res", ConvBnAct(ConvBnActOptions(all_widths, spec_.head_width, 1)));
  if (HasHead(TaskHead::kClassify))
    classifier_ = register_module("classifier", torch::nn::Linear(spec_.widths.back(), spec_.classes));
  if (HasHead(TaskHead::kSegment)) {
    segment_ = register_module(
        "segment", torch::nn::Conv2d(torch::nn::Conv2dOptions(spec_.head_width, spec_.classes + 1, 1)));
  }
  if (HasHead(TaskHead::kDetect)) {
    const int64_t h = spec_.head_width;
    detect_depthwise_ = register_module("detect_depthwise", ConvBnAct(ConvBnActOptions(h, h, 3).groups(h)));
    detect_pointwise_ = register_module("detect_pointwise", ConvBnAct(ConvBnActOptions(h, h, 1)));
    heatmap_ = register_module(
        "heatmap", torch::nn::Conv2d(torch::nn::Conv2dOptions(spec_.head_width, spec_.classes, 1)));
    box_ = register_module("box", torch::nn::Conv2d(torch::nn::Conv2dOptions(spec_.head_width, 4, 1)));
    // Centres are rare: start the heatmap at a prior of 0.1 (CenterNet's focal-loss initialization).
    torch::NoGradGuard no_grad;
    heatmap_->bias.fill_(-std::log((1 - 0.1) / 0.1));
  }
}

torch::Tensor MultiresNetImpl::forward(const torch::Tensor& x) {
  if (!HasHead(TaskHead::kClassify))
    Fail(codes::kState, "this multitask network has no classification head, the one a plain forward runs");
  return Forward(x, {}, {TaskHead::kClassify}).logits;
}

bool MultiresNetImpl::HasHead(TaskHead head) const {
  return std::find(spec_.heads.begin(), spec_.heads.end(), head) != spec_.heads.end();
}

std::vector<torch::Tensor> MultiresNetImpl::Fuse(int64_t stage, const std::vector<torch::Tensor>& branches) {
  const int64_t r_count = spec_.branches();
  std::vector<torch::Tensor> out;
  for (int64_t to = 0; to < r_count; ++to) {
    torch::Tensor sum = branches[static_cast<size_t>(to)];
    auto& row = fusions_[static_cast<size_t>(stage * r_count + to)];
    for (int64_t from = 0; from < r_count; ++from) {
      if (from == to) continue;
      torch::Tensor moved = row[static_cast<size_t>(from)]->forward(branches[static_cast<size_t>(from)]);
      sum = sum + (from > to ? Upsample(moved, int64_t{1} << (from - to)) : moved);
    }
    out.push_back(torch::relu(sum));
  }
  return out;
}

torch::Tensor MultiresNetImpl::FuseHighResolution(const std::vector<torch::Tensor>& branches) {
  std::vector<torch::Tensor> parts;
  for (size_t r = 0; r < branches.size(); ++r) parts.push_back(Upsample(branches[r], int64_t{1} << r));
  return high_res_->forward(torch::cat(parts, 1));
}

MultitaskOutputs MultiresNetImpl::Forward(const torch::Tensor& x, const std::vector<bool>& keep,
                                          const std::vector<TaskHead>& heads) {
  Require(
      keep.empty() || static_cast<int64_t>(keep.size()) == spec_.blocks(),
      "a block mask needs " + std::to_string(spec_.blocks()) + " flags, got " + std::to_string(keep.size()));
  const std::vector<TaskHead>& run = heads.empty() ? spec_.heads : heads;
  for (TaskHead h : run)
    Require(HasHead(h), std::string("this network has no '") + TaskHeadName(h) + "' head");
  const torch::Tensor stem = stem_->forward(x);
  std::vector<torch::Tensor> branches;
  for (auto& t : transitions_) branches.push_back(t->is_empty() ? stem : t->forward(stem));
  for (int64_t s = 0; s < spec_.stages; ++s) {
    for (int64_t r = 0; r < spec_.branches(); ++r) {
      for (int64_t d = 0; d < spec_.depth; ++d) {
        const size_t b = static_cast<size_t>(spec_.BlockIndex(s, r, d));
        if (blocks_[b].is_empty() || (!keep.empty() && !keep[b])) continue;
        branches[static_cast<size_t>(r)] = blocks_[b]->forward(branches[static_cast<size_t>(r)]);
      }
    }
    branches = Fuse(s, branches);
  }
  MultitaskOutputs out;
  const auto wants = [&](TaskHead h) { return std::find(run.begin(), run.end(), h) != run.end(); };
  if (wants(TaskHead::kClassify)) out.logits = classifier_->forward(branches.back().mean({2, 3}));
  if (!wants(TaskHead::kSegment) && !wants(TaskHead::kDetect)) return out;
  const torch::Tensor fused = FuseHighResolution(branches);
  if (wants(TaskHead::kSegment)) {
    out.segment = F::interpolate(segment_->forward(fused), F::InterpolateFuncOptions()
                                                               .scale_factor(std::vector<double>{2.0, 2.0})
                                                               .mode(torch::kBilinear)
                                                               .align_corners(false));
  }
  if (wants(TaskHead::kDetect)) {
    const torch::Tensor trunk = detect_pointwise_->forward(detect_depthwise_->forward(fused));
    out.heatmap = heatmap_->forward(trunk);
    out.boxes = box_->forward(trunk);
  }
  return out;
}

}  // namespace torchnas
