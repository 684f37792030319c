// The differentiable Kendall tau of ParZC (Dong et al., "ParZC: Parametric Zero-Cost Proxies"): over all
// pairs, the mean of sign(y_i - y_j) * tanh(alpha (s_i - s_j)); tanh replaces the sign of the score
// difference so the agreement has a gradient. The loss is its negative.

export interface DiffKendall {
  /** -(soft Kendall tau); -1 when every pair is ordered as the targets are, by a wide margin. */
  loss: number;
  /** d loss / d scores. */
  grad: number[];
}

export function diffKendallLoss(
  scores: readonly number[],
  targets: readonly number[],
  alpha = 1,
): DiffKendall {
  const n = scores.length;
  const grad = new Array<number>(n).fill(0);
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const order = Math.sign(targets[i] - targets[j]);
      if (order === 0) continue;
      const t = Math.tanh(alpha * (scores[i] - scores[j]));
      sum += order * t;
      const d = order * alpha * (1 - t * t);
      grad[i] += d;
      grad[j] -= d;
      pairs++;
    }
  }
  if (pairs === 0) return { loss: 0, grad };
  return { loss: -sum / pairs, grad: grad.map((g) => -g / pairs) };
}
