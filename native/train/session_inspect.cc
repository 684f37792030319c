// Session: reading and writing the model's tensors by name, and one batch's outputs and weight
// gradients: what the supernet-equals-child checks compare.
#include "common/error.h"
#include "nets/module_state.h"
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
                             const std::function<torch::Tensor(const torch::Tensor&)>& forward) {
  Model& model = RequireModel();
  LossProbe probe = ProbeWith(std::move(data), std::move(loader), [&](const torch::Tensor& x) {
    return forward ? forward(x) : model.forward(x);
  });
  for (const auto& item : model.named_parameters()) {
    const torch::Tensor& g = item.value().grad();
    if (g.defined())
      probe.gradients.emplace_back(item.key(), g.to(torch::kCPU, torch::kFloat64).contiguous());
  }
  for (auto& p : model.parameters()) p.mutable_grad() = torch::Tensor();
  return probe;
}

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
