// FBNetV5's importance-weighted REINFORCE, as pure functions of the keep-probabilities. Every task t
// has independent Bernoulli keep-probabilities p_t[b] over the blocks. One mask m is drawn per step
// from a proposal q shared by the tasks (the tasks' mean keep-probability per block, kept inside
// [floor, 1 - floor] so that it covers every task's support); task t's loss on m is weighted by
// w_t = p_t(m) / q(m), which makes E_q[w_t f(m)] = E_{p_t}[f(m)] for any f. The REINFORCE gradient of
// E_{p_t}[R_t] with respect to task t's logits is then estimated by w_t (R_t(m) - baseline) (m - p_t).
#pragma once
#include <vector>

namespace torchnas {

using Mask = std::vector<bool>;

std::vector<double> ProposalOf(const std::vector<std::vector<double>>& keep_probabilities, double floor);
// log p(m) - log q(m), with p and q products of per-block Bernoullis.
double LogImportanceWeight(const std::vector<double>& p, const std::vector<double>& q, const Mask& mask);
// The one-sample estimate of dE_p[R]/dlogits: weight * advantage * (m - p).
std::vector<double> ReinforceGradient(const std::vector<double>& p, const Mask& mask, double advantage,
                                      double weight);

}  // namespace torchnas
