// Measured networks of a space on one device, as a few-shot predictor learns from them: random
// networks (seeded), each timed end to end, appended to a samples file that is rewritten atomically
// after every network, so an interrupted measurement resumes where it stopped. A device with many
// samples is a source of the prior; one with 10-20 is the target a predictor adapts to.
import * as fs from 'fs';
import { z } from 'zod';
import { TorchnasError } from '../../errors';
import type { SearchSpace } from '../../spaces/search-space';
import { writeJsonAtomic } from '../../util/atomic-file';
import { readJson } from '../../util/json-file';
import { Rng } from '../../util/rng';
import { conditionDifferences, LatencyConditionsSchema, type TimingOptions } from '../conditions';
import { withProfiler } from '../profiler';

export const SAMPLES_FORMAT = 'torchnas/latency-samples@1';

const DecisionSchema = z.object({ name: z.string(), options: z.array(z.string()) });

export const LatencySamplesSchema = z
  .object({
    format: z.literal(SAMPLES_FORMAT),
    space: z.string(),
    input: z.array(z.number().int().positive()),
    decisions: z.array(DecisionSchema),
    conditions: LatencyConditionsSchema,
    seed: z.number().int(),
    networks: z.array(
      z.object({ name: z.string(), indices: z.array(z.number().int().min(0)), ms: z.number().positive() }),
    ),
  })
  .strict();
export type LatencySamples = z.infer<typeof LatencySamplesSchema>;

export function readLatencySamples(file: string): LatencySamples {
  const parsed = LatencySamplesSchema.safeParse(readJson(file, 'latency samples'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TorchnasError(
      'E_DATA',
      `'${file}' is not a torchnas samples file (${issue.path.join('.') || 'file'}: ${issue.message}); ` +
        "make one with 'torchnas latency sample'",
    );
  }
  return parsed.data;
}

/** The decisions of a samples file against the space's: a predictor only fits the space it was made for. */
export function checkSameSpace(
  space: SearchSpace,
  samples: { space: string; decisions: LatencySamples['decisions'] },
  file: string,
): void {
  const mine = JSON.stringify(space.decisions.map((d) => [d.name, d.options]));
  const theirs = JSON.stringify(samples.decisions.map((d) => [d.name, d.options]));
  if (mine !== theirs)
    throw new TorchnasError(
      'E_DATA',
      `'${file}' was measured on space '${samples.space}', whose decisions differ from '${space.name}': ` +
        'measure this space',
    );
}

/** Measures `networks` random networks of the space (continuing a file that holds fewer). */
export async function sampleLatencies(
  space: SearchSpace,
  file: string,
  options: TimingOptions & { networks: number; seed?: number },
  onProgress?: (p: { done: number; total: number }) => void,
): Promise<LatencySamples> {
  const { networks, seed = 1, ...timing } = options;
  const previous = fs.existsSync(file) ? readLatencySamples(file) : undefined;
  if (previous) checkSameSpace(space, previous, file);
  if (previous && previous.seed !== seed)
    throw new TorchnasError(
      'E_STATE',
      `'${file}' holds networks drawn with --seed ${previous.seed}: give that seed or another file`,
    );
  const rng = new Rng(seed);
  const choices = Array.from({ length: networks }, () => space.sample(() => rng.next()));
  return withProfiler(timing, async (profiler) => {
    const samples: LatencySamples = previous ?? {
      format: SAMPLES_FORMAT,
      space: space.name,
      input: [...space.input],
      decisions: space.decisions.map((d) => ({ name: d.name, options: [...d.options] })),
      conditions: profiler.conditions,
      seed,
      networks: [],
    };
    const differences = conditionDifferences(samples.conditions, profiler.conditions);
    if (differences.length)
      throw new TorchnasError(
        'E_STATE',
        `'${file}' was measured under other conditions (${differences.join('; ')}): write to another file`,
      );
    for (let i = samples.networks.length; i < choices.length; i++) {
      const frozen = space.freeze(choices[i], `sample-${i}`);
      if (frozen.kind !== 'network')
        throw new TorchnasError('E_INVALID_ARGUMENT', `'${space.name}' has no plain networks to time`);
      const stats = await profiler.network(frozen.architecture);
      samples.networks.push({
        name: space.describe(choices[i]),
        indices: space.encode(choices[i]),
        ms: stats.median,
      });
      writeJsonAtomic(file, samples);
      onProgress?.({ done: i + 1, total: choices.length });
    }
    return samples;
  });
}
