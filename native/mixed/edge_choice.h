// How one edge of a supernet runs in one step.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace torchnas {

// Architecture-step modes of the binarized gate (ProxylessNAS):
//   full     every member candidate's output is computed and kept until backward (reference; memory
//            grows with the candidate count);
//   two      two candidates are sampled and the gate is defined over that pair;
//   full_v2  only the input and the active output are kept; backward re-runs the other candidates
//            without grad to measure <out_k, dL/dout> (memory flat in the candidate count).
enum class GateMode { kFull, kTwo, kFullV2 };

GateMode ParseGateMode(const std::string& name);

struct EdgeChoice {
  int64_t active = 0;            // the candidate that runs
  std::vector<int64_t> members;  // candidates the gate spans; empty: no gate (weight step, evaluation)
  // When set, backward stores dL/dg over `members` here (inspection and tests).
  std::shared_ptr<torch::Tensor> gate_gradients;
};

}  // namespace torchnas
