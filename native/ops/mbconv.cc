#include "ops/mbconv.h"

#include <algorithm>
#include <cmath>

namespace torchnas {

MBConvImpl::MBConvImpl(const MBConvOptions& options_) : options(options_) { reset(); }

bool MBConvImpl::has_shortcut() const {
  return options.residual() && options.stride() == 1 && options.in_channels() == options.out_channels();
}

void MBConvImpl::reset() {
  TORCH_CHECK(options.expand() >= 1, "MBConv: expand ratio must be >= 1, got ", options.expand());
  TORCH_CHECK(options.se_ratio() >= 0.0 && options.se_ratio() <= 1.0, "MBConv: se_ratio must be in [0, 1]");
  const int64_t mid = options.in_channels() * options.expand();
  if (options.expand() != 1) {
    conv_pw = register_module(
        "conv_pw",
        ConvBnAct(ConvBnActOptions(options.in_channels(), mid, 1).activation(options.activation())));
  }
  conv_dw = register_module("conv_dw", ConvBnAct(ConvBnActOptions(mid, mid, options.kernel())
                                                     .stride(options.stride())
                                                     .groups(mid)
                                                     .activation(options.activation())));
  if (options.se_ratio() > 0.0) {
    int64_t reduced =
        std::max<int64_t>(1, static_cast<int64_t>(std::lround(options.in_channels() * options.se_ratio())));
    se = register_module("se", SqueezeExcite(SqueezeExciteOptions(mid, reduced)));
  }
  conv_pwl = register_module(
      "conv_pwl", ConvBnAct(ConvBnActOptions(mid, options.out_channels(), 1).activation(Activation::kNone)));
}

void MBConvImpl::ZeroInitLastBatchNorm() {
  torch::NoGradGuard no_grad;
  conv_pwl->bn->weight.zero_();
}

torch::Tensor MBConvImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = conv_pw ? conv_pw->forward(x) : x;
  y = conv_dw->forward(y);
  if (se) y = se->forward(y);
  y = conv_pwl->forward(y);
  return has_shortcut() ? y + x : y;
}

}  // namespace torchnas
