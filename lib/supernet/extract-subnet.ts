// Taking one subnet out of a trained supernet as a standalone network: BN recalibrated, scored,
// written as arch.json + weights.pt (what `torchnas train --init` fine-tunes).
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ThreadsSchema } from '../util/threads';
import { loadArchitecture } from '../arch';
import { fromZod } from '../errors';
import {
  architectureSubnet,
  largestSubnet,
  nativeSubnet,
  parseSubnet,
  smallestSubnet,
  subnetArchitecture,
  subnetCost,
  type ResolvedElasticSpace,
  type Subnet,
} from '../spaces';
import { DeviceSchema, type Session } from '../train/session';
import { writeJsonAtomic } from '../util/atomic-file';
import { generateSubnets, type GeneratedSubnet } from './shiftnas/shiftnas-run';
import { loadSupernet, openSupernetRun, requireGenerator } from './supernet-run';
import { scoreSubnets, supernetData, type SubnetScore } from './train-supernet';
import { writeSubnetCheckpoint } from './elastic-session';

/** arch.json and weights.pt of a subnet (with the session's current BN statistics) into `dir`. */
export async function exportSubnet(
  session: Session,
  resolved: ResolvedElasticSpace,
  subnet: Subnet,
  dir: string,
  name?: string,
) {
  const arch = subnetArchitecture(resolved, subnet, name ? `${resolved.space.name}:${name}` : undefined);
  const files = { arch: path.join(dir, 'arch.json'), weights: path.join(dir, 'weights.pt') };
  await writeSubnetCheckpoint(session, nativeSubnet(subnet), arch, files.weights);
  writeJsonAtomic(files.arch, arch);
  return files;
}

export const SupernetExtractOptionsSchema = z
  .object({
    run: z.string(),
    subnet: z
      .union([z.literal('largest'), z.literal('smallest'), z.string(), z.record(z.string(), z.unknown())])
      .optional(),
    /** Instead of a subnet: the generator's subnet for this many MACs (a shiftnas run). */
    targetMacs: z.number().positive().optional(),
    out: z.string(),
    calibBatches: z.number().int().positive().optional(),
    threads: ThreadsSchema.optional(),
    device: DeviceSchema.optional(),
  })
  .strict()
  .refine((o) => (o.subnet === undefined) !== (o.targetMacs === undefined), {
    message: 'give either a subnet (--subnet) or a target (--target-macs), not both',
    path: ['subnet'],
  });
export type SupernetExtractOptions = z.input<typeof SupernetExtractOptionsSchema>;

/** 'largest', 'smallest', a subnet string or object, or an architecture file of a subnet. */
function chosenSubnet(resolved: ResolvedElasticSpace, subnet: string | Subnet): Subnet {
  if (subnet === 'largest') return largestSubnet(resolved);
  if (subnet === 'smallest') return smallestSubnet(resolved);
  if (typeof subnet === 'string' && subnet.endsWith('.json'))
    return architectureSubnet(resolved, loadArchitecture(subnet));
  return parseSubnet(resolved, subnet);
}

/** Recalibrates one subnet's BN statistics, scores it, and exports it as a standalone network to `out`. */
export async function extractSubnet(options: SupernetExtractOptions): Promise<{
  arch: string;
  weights: string;
  score: SubnetScore;
  params: number;
  generated?: GeneratedSubnet;
}> {
  const parsed = SupernetExtractOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('extract options', parsed.error);
  const o = parsed.data;
  const run = openSupernetRun(o.run);
  const { resolved } = run;
  if (o.targetMacs !== undefined) requireGenerator(run, 'targetMacs');
  const data = await supernetData(run.opts, resolved);
  const session = await loadSupernet(run, o, data.valid);
  try {
    let generated: (GeneratedSubnet & { value: Subnet }) | undefined;
    if (o.targetMacs !== undefined) [generated] = await generateSubnets(session, resolved, [o.targetMacs]);
    const subnet = generated?.value ?? chosenSubnet(resolved, o.subnet as string | Subnet);
    // Scoring recalibrates the BN statistics the export then copies.
    const [score] = await scoreSubnets(session, resolved, [subnet], data, {
      ...run.opts,
      calibBatches: o.calibBatches ?? run.opts.calibBatches,
    });
    fs.mkdirSync(o.out, { recursive: true });
    const files = await exportSubnet(session, resolved, subnet, o.out, score.subnet);
    const params = subnetCost(resolved, subnet).params;
    if (!generated) return { ...files, score, params };
    const { value: _value, ...target } = generated;
    return { ...files, score, params, generated: target };
  } finally {
    await session.close();
  }
}
