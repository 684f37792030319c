// What one search family keeps on a session beside the core's model and optimizer: architecture
// parameters, a generator, path masks. A session holds one extension per family for its installed
// model (Session::Extension makes it on first use) and drops them all when a new model comes.
#pragma once
#include <torch/torch.h>

namespace torchnas {

class SessionExtension {
 public:
  virtual ~SessionExtension() = default;
  // Its part of a checkpoint, under its own key of the root archive; state it does not hold is
  // left alone on load (a checkpoint written before the extension was configured).
  virtual void Save(torch::serialize::OutputArchive& /*root*/) const {}
  virtual void Load(torch::serialize::InputArchive& /*root*/) {}
};

}  // namespace torchnas
