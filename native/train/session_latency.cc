// Session: latency profiling (see latency/profiler.h).
#include "common/error.h"
#include "train/session.h"

namespace torchnas {

std::vector<Profile> Session::ProfileLayers(const std::vector<LayerProbe>& probes, ProfileOptions options,
                                            const std::function<void(size_t)>& progress) {
  options.seed = options_.seed;
  auto profiles = torchnas::ProfileLayers(probes, options_.exec, options, [&](size_t done) {
    progress(done);
    return !*options_.cancelled;
  });
  if (*options_.cancelled) Fail(codes::kClosed, "the session was closed during profiling");
  return profiles;
}

Profile Session::ProfileNetwork(const NetworkSpec& spec, ProfileOptions options) {
  options.seed = options_.seed;
  return torchnas::ProfileNetwork(spec, options_.exec, options);
}

}  // namespace torchnas
