// ParZC's predictor (Dong et al., "ParZC: Parametric Zero-Cost Proxies", AAAI 2025), as its authors'
// code builds it for NAS-Bench-201 (pprp/PicoNAS, ParZCBMM in piconas/predictor/pinat/pinat_model.py):
// a Mixer Architecture with Bayesian Network (MABN) over the node-wise zero-cost vector, whose output
// is added to the architecture's edge tokens before a transformer encoder; the pooled tokens regress a
// score. Bayesian layers draw W = mu + softplus(rho) * eps with fresh eps on every forward, eval
// included, so repeated forwards give a spread: the prediction's uncertainty.
//
// A Model over packed rows [B, zc_dim + edges]: the zero-cost vector, then each edge's op index.
#pragma once
#include <torch/torch.h>

#include "nets/model.h"

namespace torchnas {

struct ParzcSpec {
  int64_t zc_dim = 294;       // 3 proxies x 98 layers on NB201
  int64_t edges = 6;          // architecture tokens (0: the ZC-only predictor)
  int64_t ops = 5;            // op vocabulary of an edge
  int64_t project_dim = 256;  // zc_dim -> project_dim, cut into patches
  int64_t patch = 16;         // values per mixer token
  int64_t mixer_dim = 512;
  int64_t mixer_blocks = 4;
  int64_t model_dim = 768;  // the reference's 765 does not split over 6 heads in LibTorch's attention
  int64_t heads = 6;
  int64_t ff_dim = 338;
  int64_t encoder_layers = 4;
  double rho_init = -5.0;  // softplus(-5) = 0.0067: the weights' initial spread
  double dropout = 0.1;
  uint64_t seed = 0;  // initial weights and the weight-noise stream
  void Check() const;
};

// A linear map without bias whose weight is a Gaussian with learned mean and softplus(rho) spread.
class BayesianLinearImpl : public torch::nn::Module {
 public:
  BayesianLinearImpl(int64_t in, int64_t out, double rho_init);
  torch::Tensor forward(const torch::Tensor& x, at::Generator& noise);
  torch::Tensor mu, rho;
};
TORCH_MODULE(BayesianLinear);

class ParzcNetImpl : public Model {
 public:
  explicit ParzcNetImpl(const ParzcSpec& spec);
  torch::Tensor forward(const torch::Tensor& rows) override;  // [B] scores
  // Restarts the weight-noise stream (a prediction drawn twice from one seed is the same).
  void SeedNoise(uint64_t seed);
  const ParzcSpec& spec() const { return spec_; }

 private:
  torch::Tensor Mixer(const torch::Tensor& zc);  // [B, mixer_dim]

  ParzcSpec spec_;
  at::Generator noise_;
  torch::nn::Linear project_{nullptr};
  BayesianLinear patch_embed_{nullptr}, head_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};  // per block: LayerNorm, FF (x4), LayerNorm, FF (x0.5)
  torch::nn::LayerNorm mixer_norm_{nullptr};
  torch::nn::Embedding op_embed_{nullptr};
  torch::Tensor edge_position_;
  torch::nn::LayerNorm token_norm_{nullptr};
  torch::nn::TransformerEncoder encoder_{nullptr};
  torch::nn::Sequential regressor_{nullptr};
};
TORCH_MODULE(ParzcNet);

}  // namespace torchnas
