// Session: reading and writing the model's tensors by name, and one batch's outputs and weight
// gradients: what the supernet-equals-child checks compare, and how a subnet takes its supernet's
// weights.
#include "common/error.h"
#include "nets/module_state.h"
#include "spaces/elastic_decisions.h"
#include "train/classification_loss.h"
#include "train/session.h"

namespace torchnas {

std::vector<std::pair<std::string, torch::Tensor>> Session::StateTensors(torch::ScalarType dtype) {
  return ModuleStateTensors(RequireModel(), dtype);
}

void Session::SetStateTensors(const std::map<std::string, std::vector<double>>& values) {
  SetModuleState(RequireModel(), values, false);
}

LossProbe Session::ProbeLoss(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                             const std::vector<int64_t>& path) {
  Model& model = RequireModel();
  Require(path.empty() || supernet_ || nb201_supernet_, "a path is only for a supernet");
  if (nb201_supernet_) Nb201PathOps(path);  // six op indices, checked before any work
  std::vector<EdgeChoice> choices;
  if (supernet_) {
    Require(static_cast<int64_t>(path.size()) == supernet_->edges(), "the path needs one choice per edge");
    for (size_t e = 0; e < path.size(); ++e) {
      Require(path[e] >= 0 && path[e] < supernet_->candidates(static_cast<int64_t>(e)),
              "a path choice is out of range");
      choices.push_back(EdgeChoice{path[e], {}});
    }
  }
  LossProbe probe = ProbeWith(std::move(data), std::move(loader), [&](const torch::Tensor& x) {
    if (nb201_supernet_) return nb201_supernet_->forward(x, path);
    return supernet_ ? supernet_->forward(x, choices, GateMode::kFullV2, options_.exec) : model.forward(x);
  });
  for (const auto& item : model.named_parameters()) {
    const torch::Tensor& g = item.value().grad();
    if (g.defined())
      probe.gradients.emplace_back(item.key(), g.to(torch::kCPU, torch::kFloat64).contiguous());
  }
  for (auto& p : model.parameters()) p.mutable_grad() = torch::Tensor();
  return probe;
}

LossProbe Session::ProbeSubnet(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                               const ElasticChoice& subnet, bool masked) {
  ElasticNetImpl& net = RequireElastic();
  net.Check(subnet);
  const ElasticMasks masks =
      MasksOf(net,
              OneHotDecisions(
                  net.spec(), subnet,
                  torch::TensorOptions().dtype(ParameterDtype(options_.exec)).device(options_.exec.device)),
              0);
  LossProbe probe = ProbeWith(std::move(data), std::move(loader), [&](const torch::Tensor& x) {
    return masked ? net.ForwardMasked(x, masks) : net.forward(x, subnet);
  });
  // Parameters the subnet never reached have no gradient: zeros of their shape, so slicing works.
  auto gradient = [](const torch::Tensor& t) { return t.grad().defined() ? t.grad() : torch::zeros_like(t); };
  auto is_buffer = [](const std::string& name) {
    for (const char* suffix : {".running_mean", ".running_var", ".num_batches_tracked"}) {
      const std::string s(suffix);
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) return true;
    }
    return false;
  };
  for (const auto& [name, g] : net.Collect(subnet, gradient, /*gradients=*/true)) {
    if (!is_buffer(name)) probe.gradients.emplace_back(name, g.to(torch::kCPU, torch::kFloat64).contiguous());
  }
  for (auto& p : net.parameters()) p.mutable_grad() = torch::Tensor();
  return probe;
}

// One batch: eval-mode logits, then train-mode loss and backward; gradients are left in place.
LossProbe Session::ProbeWith(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                             const std::function<torch::Tensor(const torch::Tensor&)>& forward) {
  Model& model = RequireModel();
  Batch batch = FirstBatch(std::move(data), loader);
  torch::Tensor x = PrepareInput(batch.images, options_.exec);
  torch::Tensor y = batch.labels.to(options_.exec.device);
  LossProbe probe;
  {
    torch::NoGradGuard no_grad;
    model.eval();
    probe.eval_logits = forward(x).to(torch::kCPU, torch::kFloat64);
  }
  model.train();
  for (auto& p : model.parameters()) p.mutable_grad() = torch::Tensor();
  torch::Tensor logits = forward(x);
  torch::Tensor loss = ClassificationLoss(logits, y, 0.0);
  loss.backward();
  probe.loss = loss.item<double>();
  probe.train_logits = logits.detach().to(torch::kCPU, torch::kFloat64);
  for (const auto& p : model.parameters()) {
    if (p.grad().defined())
      probe.gradient_square_sum += p.grad().to(torch::kFloat64).square().sum().item<double>();
  }
  return probe;
}

}  // namespace torchnas
