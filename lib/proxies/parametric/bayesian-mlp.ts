// A small multilayer perceptron with Gaussian weights (Bayes by Backprop, Blundell et al. 2015): each
// weight is mu + softplus(rho) * eps, eps ~ N(0, 1) drawn afresh for each forward pass, so training sees
// weight noise and learns how much of it each weight tolerates; prediction uses the means. Written out
// in TypeScript (forward, backward, KL to the prior): the models it serves have a few thousand weights
// and train on a few hundred rows, far below what a native call would pay off for.
import type { Rng } from '../../util/rng';

const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A standard normal draw (Box-Muller). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** y = W x + b with Gaussian W and b; parameters stored as [W row-major (out x in), b]. */
export class BayesianLinear {
  readonly mu: Float64Array;
  readonly rho: Float64Array;
  readonly gradMu: Float64Array;
  readonly gradRho: Float64Array;
  private eps: Float64Array;
  private weights: Float64Array;
  private input: number[][] = [];

  constructor(
    readonly inputs: number,
    readonly outputs: number,
    rng: Rng,
    initialRho = -5,
  ) {
    const size = inputs * outputs + outputs;
    const bound = 1 / Math.sqrt(inputs);
    this.mu = Float64Array.from({ length: size }, (_, i) =>
      i < inputs * outputs ? (2 * rng.next() - 1) * bound : 0,
    );
    this.rho = new Float64Array(size).fill(initialRho);
    this.gradMu = new Float64Array(size);
    this.gradRho = new Float64Array(size);
    this.eps = new Float64Array(size);
    this.weights = Float64Array.from(this.mu);
  }

  /** With `rng`, draws the weights; without, uses their means. */
  forward(x: number[][], rng?: Rng): number[][] {
    for (let i = 0; i < this.mu.length; i++) {
      this.eps[i] = rng ? gaussian(rng) : 0;
      this.weights[i] = this.mu[i] + softplus(this.rho[i]) * this.eps[i];
    }
    this.input = x;
    const { inputs, outputs, weights } = this;
    return x.map((row) => {
      const y = new Array<number>(outputs);
      for (let o = 0; o < outputs; o++) {
        let s = weights[inputs * outputs + o];
        for (let i = 0; i < inputs; i++) s += weights[o * inputs + i] * row[i];
        y[o] = s;
      }
      return y;
    });
  }

  /** Accumulates d/dmu and d/drho from dL/dy of the last forward; returns dL/dx. */
  backward(gradOutput: number[][]): number[][] {
    const { inputs, outputs, weights } = this;
    const gradWeights = new Float64Array(this.mu.length);
    const gradInput = gradOutput.map((g, n) => {
      const x = this.input[n];
      const gx = new Array<number>(inputs).fill(0);
      for (let o = 0; o < outputs; o++) {
        if (g[o] === 0) continue;
        for (let i = 0; i < inputs; i++) {
          gradWeights[o * inputs + i] += g[o] * x[i];
          gx[i] += g[o] * weights[o * inputs + i];
        }
        gradWeights[inputs * outputs + o] += g[o];
      }
      return gx;
    });
    for (let i = 0; i < gradWeights.length; i++) {
      this.gradMu[i] += gradWeights[i];
      this.gradRho[i] += gradWeights[i] * this.eps[i] * sigmoid(this.rho[i]);
    }
    return gradInput;
  }

  /** KL(q || N(0, priorStd^2)) summed over weights, its gradient added to the parameter gradients (times `scale`). */
  kl(priorStd: number, scale: number): number {
    let total = 0;
    const prior = priorStd * priorStd;
    for (let i = 0; i < this.mu.length; i++) {
      const sigma = softplus(this.rho[i]);
      total += Math.log(priorStd / sigma) + (sigma * sigma + this.mu[i] * this.mu[i]) / (2 * prior) - 0.5;
      this.gradMu[i] += (scale * this.mu[i]) / prior;
      this.gradRho[i] += scale * (-1 / sigma + sigma / prior) * sigmoid(this.rho[i]);
    }
    return total;
  }

  zeroGrad(): void {
    this.gradMu.fill(0);
    this.gradRho.fill(0);
  }
}

/** Bayesian linear layers with ReLU between them, one output. */
export class BayesianMlp {
  readonly layers: BayesianLinear[];
  private activations: number[][][] = [];

  constructor(sizes: readonly number[], rng: Rng) {
    this.layers = sizes.slice(1).map((out, k) => new BayesianLinear(sizes[k], out, rng));
  }

  forward(x: number[][], rng?: Rng): number[][] {
    this.activations = [];
    let h = x;
    this.layers.forEach((layer, k) => {
      h = layer.forward(h, rng);
      if (k < this.layers.length - 1) {
        this.activations.push(h);
        h = h.map((row) => row.map((v) => Math.max(0, v)));
      }
    });
    return h;
  }

  backward(gradOutput: number[][]): void {
    let g = gradOutput;
    for (let k = this.layers.length - 1; k >= 0; k--) {
      g = this.layers[k].backward(g);
      if (k > 0) {
        const pre = this.activations[k - 1];
        g = g.map((row, n) => row.map((v, i) => (pre[n][i] > 0 ? v : 0)));
      }
    }
  }

  kl(priorStd: number, scale: number): number {
    return this.layers.reduce((s, l) => s + l.kl(priorStd, scale), 0);
  }

  zeroGrad(): void {
    for (const l of this.layers) l.zeroGrad();
  }

  parameters(): Float64Array[] {
    return this.layers.flatMap((l) => [l.mu, l.rho]);
  }

  gradients(): Float64Array[] {
    return this.layers.flatMap((l) => [l.gradMu, l.gradRho]);
  }
}
