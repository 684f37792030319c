// Inverted residual (MobileNetV2 / ProxylessNAS MBConv): 1x1 expand -> kxk depthwise -> optional SE
// -> 1x1 project, with an identity shortcut when stride is 1 and channels are kept.
#pragma once
#include <torch/torch.h>

#include "ops/conv_bn_act.h"
#include "ops/squeeze_excite.h"

namespace torchnas {

struct MBConvOptions {
  MBConvOptions(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t expand)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_(kernel), expand_(expand) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel);
  TORCH_ARG(int64_t, expand);
  TORCH_ARG(int64_t, stride) = 1;
  // Squeeze-excite width as a fraction of the block's input channels; 0 disables it.
  TORCH_ARG(double, se_ratio) = 0.0;
  TORCH_ARG(Activation, activation) = Activation::kReLU6;
  // Whether the block adds its input; only possible when stride is 1 and channels are kept.
  TORCH_ARG(bool, residual) = true;
};

class MBConvImpl : public torch::nn::Cloneable<MBConvImpl> {
 public:
  explicit MBConvImpl(const MBConvOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);
  bool has_shortcut() const;
  // Scale of the projection's BatchNorm to zero: the block's output starts at 0, so a block that
  // something adds its input to starts as the identity (Goyal et al., 2017: "zero gamma").
  void ZeroInitLastBatchNorm();

  MBConvOptions options;
  ConvBnAct conv_pw{nullptr};  // absent when expand == 1
  ConvBnAct conv_dw{nullptr};
  SqueezeExcite se{nullptr};  // absent when se_ratio == 0
  ConvBnAct conv_pwl{nullptr};
};
TORCH_MODULE(MBConv);

}  // namespace torchnas
