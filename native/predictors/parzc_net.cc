#include "predictors/parzc_net.h"

#include <cmath>

#include "common/error.h"

namespace torchnas {
namespace {

namespace F = torch::nn::functional;
namespace nn = torch::nn;

// Linear -> GELU -> Linear on the last dimension, widened by `expansion` (the reference's FeedForward;
// both of a block's feed-forwards act on channels, so tokens never mix: kept as in the reference).
nn::Sequential FeedForward(int64_t dim, double expansion) {
  const int64_t hidden = static_cast<int64_t>(dim * expansion);
  return nn::Sequential(nn::Linear(dim, hidden), nn::GELU(), nn::Linear(hidden, dim));
}

}  // namespace

void ParzcSpec::Check() const {
  Require(zc_dim >= 1 && edges >= 0 && ops >= 1, "zcDim and ops must be >= 1, edges >= 0");
  Require(project_dim >= patch && patch >= 1 && project_dim % patch == 0,
          "projectDim must be a multiple of patch");
  Require(mixer_dim >= 1 && mixer_blocks >= 0, "mixerDim must be >= 1 and mixerBlocks >= 0");
  Require(model_dim >= 1 && heads >= 1 && model_dim % heads == 0, "modelDim must be a multiple of heads");
  Require(ff_dim >= 1 && encoder_layers >= 1, "ffDim and encoderLayers must be >= 1");
  Require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
  Require(std::isfinite(rho_init), "rhoInit must be finite");
}

BayesianLinearImpl::BayesianLinearImpl(int64_t in, int64_t out, double rho_init) {
  mu = register_parameter("mu", torch::empty({out, in}));
  nn::init::kaiming_uniform_(mu, std::sqrt(5.0));
  rho = register_parameter("rho", torch::full({out, in}, rho_init));
}

torch::Tensor BayesianLinearImpl::forward(const torch::Tensor& x, at::Generator& noise) {
  const torch::Tensor eps = torch::randn(mu.sizes(), noise, torch::dtype(mu.scalar_type())).to(mu.device());
  return F::linear(x, mu + F::softplus(rho) * eps);
}

ParzcNetImpl::ParzcNetImpl(const ParzcSpec& spec)
    : spec_(spec), noise_(at::make_generator<at::CPUGeneratorImpl>(spec.seed)) {
  spec_.Check();
  project_ = register_module("project", nn::Linear(spec.zc_dim, spec.project_dim));
  patch_embed_ = register_module("patch_embed", BayesianLinear(spec.patch, spec.mixer_dim, spec.rho_init));
  blocks_ = register_module("blocks", nn::ModuleList());
  for (int64_t b = 0; b < spec.mixer_blocks; ++b) {
    blocks_->push_back(nn::LayerNorm(nn::LayerNormOptions({spec.mixer_dim})));
    blocks_->push_back(FeedForward(spec.mixer_dim, 4.0));
    blocks_->push_back(nn::LayerNorm(nn::LayerNormOptions({spec.mixer_dim})));
    blocks_->push_back(FeedForward(spec.mixer_dim, 0.5));
  }
  mixer_norm_ = register_module("mixer_norm", nn::LayerNorm(nn::LayerNormOptions({spec.mixer_dim})));
  if (spec.edges == 0) {
    // The ZC-only predictor (the reference's exps/nds/parzc.py): no architecture branch.
    head_ = register_module("head", BayesianLinear(spec.mixer_dim, spec.mixer_dim, spec.rho_init));
    regressor_ = register_module("regressor", nn::Sequential(nn::Linear(spec.mixer_dim, 256),
                                                             nn::Dropout(spec.dropout), nn::Linear(256, 1)));
    return;
  }
  const int64_t d = spec.model_dim;
  head_ = register_module("head", BayesianLinear(spec.mixer_dim, spec.edges * d, spec.rho_init));
  op_embed_ = register_module("op_embed", nn::Embedding(spec.ops, d));
  // The reference feeds a Laplacian encoding of NB201's fixed DAG: a constant per edge, learned here.
  edge_position_ = register_parameter("edge_position", 0.02 * torch::randn({spec.edges, d}));
  token_norm_ = register_module("token_norm", nn::LayerNorm(nn::LayerNormOptions({d})));
  auto layer = nn::TransformerEncoderLayer(
      nn::TransformerEncoderLayerOptions(d, spec.heads).dim_feedforward(spec.ff_dim).dropout(spec.dropout));
  encoder_ = register_module("encoder", nn::TransformerEncoder(layer, spec.encoder_layers));
  regressor_ = register_module(
      "regressor", nn::Sequential(nn::Linear(nn::LinearOptions(d, d).bias(false)), nn::Dropout(spec.dropout),
                                  nn::Linear(nn::LinearOptions(d, 1).bias(false))));
}

void ParzcNetImpl::SeedNoise(uint64_t seed) { noise_ = at::make_generator<at::CPUGeneratorImpl>(seed); }

torch::Tensor ParzcNetImpl::Mixer(const torch::Tensor& zc) {
  const int64_t batch = zc.size(0);
  torch::Tensor x = project_->forward(zc).view({batch, spec_.project_dim / spec_.patch, spec_.patch});
  x = patch_embed_->forward(x, noise_);
  for (size_t i = 0; i < blocks_->size(); i += 2) {
    const torch::Tensor normed = blocks_[i]->as<nn::LayerNorm>()->forward(x);
    x = x + blocks_[i + 1]->as<nn::Sequential>()->forward(normed);
  }
  return mixer_norm_->forward(x).mean(1);
}

torch::Tensor ParzcNetImpl::forward(const torch::Tensor& rows) {
  Require(rows.dim() == 2 && rows.size(1) == spec_.zc_dim + spec_.edges,
          "ParZC rows must hold the zero-cost vector and then one op index per edge");
  const torch::Tensor mixed = head_->forward(Mixer(rows.narrow(1, 0, spec_.zc_dim)), noise_);
  if (spec_.edges == 0) return regressor_->forward(mixed).squeeze(1);
  const torch::Tensor ops = rows.narrow(1, spec_.zc_dim, spec_.edges).round().to(torch::kLong);
  Require(ops.min().item<int64_t>() >= 0 && ops.max().item<int64_t>() < spec_.ops,
          "an op index is outside the op vocabulary");
  const int64_t batch = rows.size(0), d = spec_.model_dim;
  torch::Tensor tokens = op_embed_->forward(ops) + edge_position_ + mixed.view({batch, spec_.edges, d});
  tokens = encoder_->forward(token_norm_->forward(tokens).transpose(0, 1)).transpose(0, 1);
  // The reference pools by summing the tokens over the cell's node count (4 on NB201).
  return regressor_->forward(tokens.sum(1) / 4.0).squeeze(1);
}

}  // namespace torchnas
