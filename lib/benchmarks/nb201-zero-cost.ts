// NB201 figures that zero-cost proxies are checked against (data/benchmarks/nb201-zero-cost.json.gz):
// the published parameter count of every CIFAR-10 network (millions; NASWOT's export of the benchmark),
// and the proxy values NAS-Bench-Suite-Zero (NASLib) stored for the CIFAR-10 architectures it scored.
import { z } from 'zod';
import { NB201_SIZE } from '../spaces/nb201/nb201-cell';
import { numberColumn, readTableFile } from './table-files';

export const NB201_STORED_PROXIES = [
  'epe_nas',
  'fisher',
  'flops',
  'grad_norm',
  'grasp',
  'jacov',
  'l2_norm',
  'nwot',
  'params',
  'plain',
  'snip',
  'synflow',
  'zen',
] as const;
export type Nb201StoredProxy = (typeof NB201_STORED_PROXIES)[number];

const storedColumn = z.array(z.number().nullable());
const ZeroCostFileSchema = z.object({
  format: z.literal('torchnas/nb201-zero-cost@1'),
  params: numberColumn(NB201_SIZE, 0),
  stored: z
    .object({
      dataset: z.literal('cifar10'),
      indices: z.array(
        z
          .number()
          .int()
          .min(0)
          .max(NB201_SIZE - 1),
      ),
      values: z.object(
        Object.fromEntries(NB201_STORED_PROXIES.map((name) => [name, storedColumn])) as Record<
          Nb201StoredProxy,
          typeof storedColumn
        >,
      ),
    })
    .refine(
      (s) => Object.values(s.values).every((column) => column.length === s.indices.length),
      'every stored proxy needs one value per index',
    ),
});

function zeroCostTable() {
  return readTableFile('nb201-zero-cost.json.gz', ZeroCostFileSchema);
}

/** Published parameter counts (millions) of the CIFAR-10 networks, by NATS-Bench index. */
export function nb201PublishedParams(): readonly number[] {
  return zeroCostTable().params;
}

/**
 * NASLib's stored CIFAR-10 proxy values: NATS-Bench indices (ascending) and, per proxy, one value per
 * index (null where NASLib recorded a failure).
 */
export function nb201StoredProxies(): {
  indices: readonly number[];
  values: Readonly<Record<Nb201StoredProxy, readonly (number | null)[]>>;
} {
  return zeroCostTable().stored;
}
