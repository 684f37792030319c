// PNAS's surrogate (Liu et al., ECCV 2018, section 3.3): an ensemble of small MLPs that predicts a
// genome's score from its encoding, each member fitted on a different 4/5 of the measured genomes,
// the prediction their mean. A genome is encoded as one one-hot vector per decision, concatenated (the
// paper embeds each block's tokens and averages over blocks because its cells vary in length; a
// genome here has one slot per decision, so the concatenation keeps which edge holds which op). Two
// hidden ReLU layers, L1 loss on z-scored scores, full-batch Adam. Plain TypeScript: the inputs are
// a few dozen one-hot bits and the data a few hundred genomes.
import { invalid } from '../errors';
import { Rng } from '../util/rng';
import type { Genome } from './search-strategy';

/** What PNAS ranks candidates with: fitted on measured genomes, then asked for every candidate. */
export interface Surrogate {
  fit(genomes: readonly Genome[], scores: readonly number[]): void;
  predict(genomes: readonly Genome[]): number[];
}

export interface MlpEnsembleOptions {
  /** Members, each fitted on all but one fold of the measured genomes (the paper: 5). */
  members?: number;
  hidden?: number;
  epochs?: number;
  learningRate?: number;
  seed?: number;
}

/** One MLP: one-hot input -> hidden -> hidden -> 1, ReLU, with its Adam state. */
class Mlp {
  // Parameters in one array, so that Adam runs over them in one loop.
  readonly params: Float64Array;
  private readonly grads: Float64Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;
  private readonly w1: number;
  private readonly b1: number;
  private readonly w2: number;
  private readonly b2: number;
  private readonly w3: number;
  private readonly b3: number;

  constructor(
    inputs: number,
    private readonly hidden: number,
    rng: Rng,
  ) {
    const h = hidden;
    this.w1 = 0;
    this.b1 = this.w1 + inputs * h;
    this.w2 = this.b1 + h;
    this.b2 = this.w2 + h * h;
    this.w3 = this.b2 + h;
    this.b3 = this.w3 + h;
    const size = this.b3 + 1;
    this.params = new Float64Array(size);
    this.grads = new Float64Array(size);
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    // He-uniform: the one-hot input has `decisions` ones, so its fan-in is small.
    const init = (from: number, count: number, fanIn: number) => {
      const bound = Math.sqrt(6 / fanIn);
      for (let i = 0; i < count; i++) this.params[from + i] = (2 * rng.next() - 1) * bound;
    };
    init(this.w1, inputs * h, Math.max(1, inputs / 4));
    init(this.w2, h * h, h);
    init(this.w3, h, h);
  }

  /** Forward of one encoded genome (the indices of its hot inputs); fills the activations given. */
  forward(hot: readonly number[], a1: Float64Array, a2: Float64Array): number {
    const p = this.params;
    const h = this.hidden;
    const { w1, b1, w2, b2, w3 } = this;
    for (let j = 0; j < h; j++) a1[j] = p[b1 + j];
    for (let n = 0; n < hot.length; n++) {
      const row = w1 + hot[n] * h;
      for (let j = 0; j < h; j++) a1[j] += p[row + j];
    }
    for (let j = 0; j < h; j++) if (a1[j] < 0) a1[j] = 0;
    let out = p[this.b3];
    for (let k = 0; k < h; k++) {
      let s = p[b2 + k];
      const row = w2 + k * h;
      for (let j = 0; j < h; j++) s += p[row + j] * a1[j];
      a2[k] = s > 0 ? s : 0;
      out += p[w3 + k] * a2[k];
    }
    return out;
  }

  /** Full-batch L1 steps on (encoded genome, target) pairs. */
  fit(data: readonly { hot: readonly number[]; target: number }[], epochs: number, lr: number): void {
    const h = this.hidden;
    const a1 = new Float64Array(h);
    const a2 = new Float64Array(h);
    const d1 = new Float64Array(h);
    const g = this.grads;
    const p = this.params;
    const { w1, b1, w2, b2, w3, b3 } = this;
    for (let epoch = 0; epoch < epochs; epoch++) {
      g.fill(0);
      for (const { hot, target } of data) {
        const out = this.forward(hot, a1, a2);
        const dOut = Math.sign(out - target) / data.length;
        if (dOut === 0) continue;
        g[b3] += dOut;
        d1.fill(0);
        for (let k = 0; k < h; k++) {
          g[w3 + k] += dOut * a2[k];
          if (a2[k] <= 0) continue;
          const d2 = dOut * p[w3 + k];
          g[b2 + k] += d2;
          const row = w2 + k * h;
          for (let j = 0; j < h; j++) {
            g[row + j] += d2 * a1[j];
            d1[j] += d2 * p[row + j];
          }
        }
        for (let j = 0; j < h; j++) if (a1[j] <= 0) d1[j] = 0;
        for (let j = 0; j < h; j++) g[b1 + j] += d1[j];
        for (let n = 0; n < hot.length; n++) {
          const row = w1 + hot[n] * h;
          for (let j = 0; j < h; j++) g[row + j] += d1[j];
        }
      }
      this.adam(lr);
    }
  }

  private adam(lr: number): void {
    const beta1 = 0.9;
    const beta2 = 0.999;
    this.step += 1;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    const { params: p, grads: g, m, v } = this;
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
    }
  }
}

export class MlpEnsemble implements Surrogate {
  readonly members: number;
  readonly hidden: number;
  readonly epochs: number;
  readonly learningRate: number;
  private readonly offsets: number[];
  private readonly rng: Rng;
  private nets: Mlp[] = [];
  private mean = 0;
  private scale = 1;

  /** `choices`: how many options each decision has (the space's). */
  constructor(
    private readonly choices: readonly number[],
    options: MlpEnsembleOptions = {},
  ) {
    this.members = options.members ?? 5;
    this.hidden = options.hidden ?? 100;
    this.epochs = options.epochs ?? 100;
    this.learningRate = options.learningRate ?? 0.01;
    for (const [name, value] of Object.entries({
      members: this.members,
      hidden: this.hidden,
      epochs: this.epochs,
    })) {
      if (!Number.isInteger(value) || value < 1)
        throw invalid(`${name} must be a positive integer, got ${value}`);
    }
    if (!(this.learningRate > 0))
      throw invalid(`learningRate must be a positive number, got ${this.learningRate}`);
    this.offsets = choices.map((_, d) => choices.slice(0, d).reduce((a, b) => a + b, 0));
    this.rng = new Rng(options.seed ?? 0);
  }

  private encode(genome: Genome): number[] {
    return genome.map((option, d) => this.offsets[d] + option);
  }

  /** Fits a fresh ensemble on all the measured genomes (PNAS refits from scratch at every level). */
  fit(genomes: readonly Genome[], scores: readonly number[]): void {
    if (genomes.length !== scores.length || !genomes.length)
      throw invalid(
        `the surrogate needs one score per genome and at least one, got ${genomes.length} and ${scores.length}`,
      );
    this.mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const variance = scores.reduce((a, s) => a + (s - this.mean) ** 2, 0) / scores.length;
    this.scale = Math.sqrt(variance) || 1;
    const data = genomes.map((g, i) => ({
      hot: this.encode(g),
      target: (scores[i] - this.mean) / this.scale,
    }));
    // Folds of a seeded shuffle; member k leaves fold k out (all of the data while there are too few).
    const order = data.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const inputs = this.choices.reduce((a, b) => a + b, 0);
    this.nets = Array.from({ length: this.members }, (_, k) => {
      const net = new Mlp(inputs, this.hidden, this.rng);
      const kept =
        data.length >= this.members && this.members > 1
          ? order.filter((_, position) => position % this.members !== k).map((i) => data[i])
          : data;
      net.fit(kept, this.epochs, this.learningRate);
      return net;
    });
  }

  predict(genomes: readonly Genome[]): number[] {
    if (!this.nets.length) throw invalid('the surrogate predicts only once it has been fitted');
    const a1 = new Float64Array(this.hidden);
    const a2 = new Float64Array(this.hidden);
    return genomes.map((g) => {
      const hot = this.encode(g);
      const sum = this.nets.reduce((s, net) => s + net.forward(hot, a1, a2), 0);
      return this.mean + (this.scale * sum) / this.nets.length;
    });
  }
}
