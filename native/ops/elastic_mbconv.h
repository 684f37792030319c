// An elastic MBConv block: it owns the weights of its largest form (input, output and middle
// channels, kernel) and runs any smaller form given as an argument to forward: channels are the
// prefix of each weight, the kernel is the centre of the largest one (once-for-all). BatchNorm
// statistics are per channel, so a narrower form uses (and in training updates) their prefix.
// Names match MBConv's (conv_pw, conv_dw, se, conv_pwl), so a subnet's weights copy across by name.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>

#include "ops/conv_bn_act.h"
#include "ops/squeeze_excite.h"

namespace torchnas {

struct ElasticMBConvOptions {
  int64_t in_max = 0;
  int64_t out_max = 0;
  int64_t kernel_max = 3;
  // The kernel sizes a subnet may choose (ascending). With kernel_transform, a smaller kernel is the
  // centre of the next larger one times a learnt k^2 x k^2 matrix, shared by the channels and
  // starting as the identity (once-for-all's kernel transformation matrices).
  std::vector<int64_t> kernels;
  bool kernel_transform = false;
  int64_t expand_max = 1;
  int64_t stride = 1;
  double se_ratio = 0.0;
  Activation activation = Activation::kReLU6;
};

// The form a block runs in; its input channels are the input's.
struct ElasticBlockChoice {
  int64_t out = 0;
  int64_t kernel = 3;
  int64_t expand = 1;
};

// A block's relaxed form (ShiftNAS): masks multiply the activations at the largest width, the kernel
// is a weighted sum of the candidate kernels padded to the largest, the shortcut is gated. With
// one-hot weights it computes exactly the sliced form, and gradients reach the weights of the choice.
struct ElasticBlockMasks {
  torch::Tensor mid;       // [in_max * expand_max]: the middle channels kept
  torch::Tensor se;        // [SeChannels(in_max)]: the SE hidden channels kept; undefined without SE
  torch::Tensor out;       // [out_max]
  torch::Tensor kernel;    // [kernels.size()]: the weight of each candidate kernel
  torch::Tensor shortcut;  // scalar gate of the input added to the output; undefined: no shortcut
};

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;
// Picks what to copy from a parameter or buffer: the tensor itself, or its gradient.
using TensorPick = std::function<torch::Tensor(const torch::Tensor&)>;

class ElasticMBConvImpl : public torch::nn::Cloneable<ElasticMBConvImpl> {
 public:
  explicit ElasticMBConvImpl(const ElasticMBConvOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x, const ElasticBlockChoice& choice);
  // The relaxed form on an input of in_max channels (channels beyond the chosen width are zero).
  torch::Tensor ForwardMasked(const torch::Tensor& x, const ElasticBlockMasks& masks);
  // SE hidden channels for a block input of `in` channels.
  int64_t SeChannels(int64_t in) const;
  // The tensors of the standalone MBConv of this form (input channels `in`), sliced as forward
  // slices them, named `<prefix><module>.<tensor>`. For `gradients`, a transformed kernel is left
  // out: its gradient flows into the larger kernel and the matrices, it is not a slice of one.
  void Collect(int64_t in, const ElasticBlockChoice& choice, const TensorPick& pick,
               const std::string& prefix, NamedTensors& out, bool gradients = false) const;
  // The depthwise kernel a form uses, from the first `mid` channels of the largest kernel.
  torch::Tensor Kernel(const torch::Tensor& weight, int64_t mid, int64_t k) const;
  // Sorts the middle channels by importance (L1 norm of their projection weights), largest first,
  // so smaller expand ratios keep the most important ones (once-for-all). The largest form's function
  // is unchanged: the same permutation is applied to every tensor that touches those channels.
  void ReorderMiddleChannels();

  ElasticMBConvOptions options;
  ConvBnAct conv_pw{nullptr};  // absent when the only expand ratio is 1
  ConvBnAct conv_dw{nullptr};
  SqueezeExcite se{nullptr};
  ConvBnAct conv_pwl{nullptr};

 private:
  std::map<int64_t, torch::Tensor> transforms_;  // kernel size -> its transformation matrix
};
TORCH_MODULE(ElasticMBConv);

// conv -> BatchNorm -> activation with a conv weight already sliced: BatchNorm on the first
// weight.size(0) channels (ops/batch_norm_stats.h), at the module's momentum (BN recalibration sets it).
torch::Tensor SlicedConvBn(const ConvBnActImpl& layer, const torch::Tensor& x, const torch::Tensor& weight,
                           int64_t stride, int64_t groups);

}  // namespace torchnas
