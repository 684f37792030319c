// A module's parameters and buffers by name: read out at one dtype, or set from plain numbers. What
// Session.stateTensors and the multitask probes share (weights copied from a supernet into a child).
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace torchnas {

// Every parameter, then every buffer, on the CPU at `dtype` (integer buffers included).
inline std::vector<std::pair<std::string, torch::Tensor>> ModuleStateTensors(const torch::nn::Module& module,
                                                                             torch::ScalarType dtype) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : module.named_parameters()) {
    out.emplace_back(item.key(), item.value().detach().to(torch::kCPU, dtype).contiguous());
  }
  for (const auto& item : module.named_buffers()) {
    out.emplace_back(item.key(), item.value().detach().to(torch::kCPU, dtype).contiguous());
  }
  return out;
}

// Sets every parameter and buffer of `module` by name, all or nothing. Names in `values` that the
// module lacks are an error unless `extra_allowed` (a child taking its tensors from a supernet's).
inline void SetModuleState(torch::nn::Module& module,
                           const std::map<std::string, std::vector<double>>& values, bool extra_allowed) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> targets;
  for (const auto& item : module.named_parameters()) targets[item.key()] = item.value();
  for (const auto& item : module.named_buffers()) targets[item.key()] = item.value();
  for (const auto& [name, v] : values) {
    Require(extra_allowed || targets.count(name) == 1, "the model has no tensor '" + name + "'");
  }
  // All or nothing: a partial copy would leave a network that is neither the old one nor the new.
  for (auto& [name, t] : targets) {
    auto found = values.find(name);
    Require(found != values.end(), "no value given for the model's tensor '" + name + "'");
    Require(static_cast<int64_t>(found->second.size()) == t.numel(),
            "'" + name + "' holds " + std::to_string(t.numel()) + " values, " +
                std::to_string(found->second.size()) + " given");
  }
  for (auto& [name, t] : targets) {
    torch::Tensor source = torch::tensor(values.at(name), torch::kFloat64).reshape(t.sizes());
    t.copy_(source.to(t.device(), t.scalar_type()));
  }
}

}  // namespace torchnas
