// Zero-cost proxies: scores of an untrained network from at most one batch, computed natively
// (native/proxies) on a session's current network by Session.zeroCostProxies. This file names them
// and validates the options.
import { z } from 'zod';
import { fromZod } from '../errors';

export const PROXY_NAMES = [
  'grad_norm',
  'snip',
  'grasp',
  'fisher',
  'synflow',
  'jacob_cov',
  'naswot',
  'zen',
  'params',
  'flops',
] as const;
export type ProxyName = (typeof PROXY_NAMES)[number];

/** Proxies that read the data batch (and, but for jacob_cov and naswot, its labels). */
export const DATA_PROXIES: readonly ProxyName[] = [
  'grad_norm',
  'snip',
  'grasp',
  'fisher',
  'jacob_cov',
  'naswot',
];

export const PROXY_DESCRIPTIONS: Record<ProxyName, string> = {
  grad_norm: 'sum over conv/linear layers of the norm of the loss gradient of the weights',
  snip: 'sum of |weight * loss gradient| over conv/linear weights',
  grasp: 'sum of -weight * (Hessian * gradient) over conv/linear weights',
  fisher: 'per channel, 0.5 * batch mean of (sum of activation * its gradient)^2, over conv/linear outputs',
  synflow: 'sum of |weight * dR/dweight| with |weights|, BatchNorm off, float64, all-ones input (no data)',
  jacob_cov: '-sum(log(v + k) + 1/(v + k)) over eigenvalues v of the correlation of input gradients',
  naswot: 'log|det K| of the binary ReLU activation-pattern kernel of the batch',
  zen: 'log of the feature-map change under a small Gaussian perturbation plus sum of log BatchNorm std (Gaussian weights, no data)',
  params: 'number of parameters',
  flops: 'FLOPs of one forward pass of one image (NAS-Bench-201 counting)',
};

const shape = z.tuple([
  z.number().int().positive(),
  z.number().int().positive(),
  z.number().int().positive(),
]);
const proxyList = z
  .array(z.string())
  .min(1, 'name at least one proxy')
  .superRefine((names, ctx) => {
    for (const name of names) {
      if (!(PROXY_NAMES as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown zero-cost proxy '${name}' (known: ${PROXY_NAMES.join(', ')})`,
        });
      }
    }
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: 'custom', message: 'a proxy is named twice' });
  });

export const ZeroCostOptionsSchema = z
  .object({
    proxies: proxyList,
    /** Images in the batch (and in the Gaussian batches of zen, jacob_cov and naswot without data). */
    batchSize: z.number().int().positive().default(64),
    /** Decides the batch drawn from the dataset, noise, labels drawn without a dataset, Zen's weights. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 53 - 1)
      .default(0),
    /** [channels, height, width] the network takes; default: the shape it was built for. */
    input: shape.optional(),
    /** Normalization of dataset images (per-channel mean and std in [0, 1] units). */
    normalize: z
      .object({ mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type ZeroCostOptions = z.input<typeof ZeroCostOptionsSchema>;

export interface ProxyScore {
  total: number;
  /** Per conv/linear module for the sums over layers (per module for params, BatchNorm terms for zen). */
  layers: Record<string, number>;
  seconds: number;
}
export type ProxyScores = Partial<Record<ProxyName, ProxyScore>>;

export function parseZeroCostOptions(options: ZeroCostOptions): z.output<typeof ZeroCostOptionsSchema> {
  const parsed = ZeroCostOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('zero-cost proxy options', parsed.error);
  return parsed.data;
}
