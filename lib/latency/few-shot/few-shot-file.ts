// A few-shot latency predictor as a file: the additive weights per decision option it adapted to a
// device, with the space's decisions, the target's conditions and what its prior came from. A search
// reads it where it reads a latency table (--latency-table), as per-edge costs.
import { z } from 'zod';
import { TorchnasError } from '../../errors';
import { readJson } from '../../util/json-file';
import { LatencyConditionsSchema } from '../conditions';
import type { FewShotPredictor } from './few-shot-predictor';

export const FEW_SHOT_FORMAT = 'torchnas/few-shot-latency@1';

export const FewShotFileSchema = z
  .object({
    format: z.literal(FEW_SHOT_FORMAT),
    unit: z.literal('ms'),
    space: z.string(),
    input: z.array(z.number().int().positive()),
    decisions: z.array(z.object({ name: z.string(), options: z.array(z.string()) })),
    intercept: z.number(),
    weights: z.array(z.array(z.number())),
    samples: z.number().int().positive(),
    conditions: LatencyConditionsSchema,
    prior: z.object({ sources: z.array(z.string()), tau: z.number().positive() }),
    /** Spearman and MAPE (%) of the predictor on the target's own samples, left out one at a time. */
    leaveOneOut: z.object({ spearman: z.number(), mape: z.number() }).optional(),
  })
  .strict();
export type FewShotFile = z.infer<typeof FewShotFileSchema>;

export function parseFewShotFile(value: unknown, file: string): FewShotFile {
  const parsed = FewShotFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TorchnasError(
      'E_DATA',
      `'${file}' is not a few-shot latency predictor (${issue.path.join('.') || 'file'}: ${issue.message}); ` +
        "make one with 'torchnas latency fit --few-shot'",
    );
  }
  return parsed.data;
}

export const readFewShotFile = (file: string) => parseFewShotFile(readJson(file, 'few-shot predictor'), file);

export const predictorOf = (f: FewShotFile): FewShotPredictor => ({
  counts: f.decisions.map((d) => d.options.length),
  intercept: f.intercept,
  weights: f.weights,
  samples: f.samples,
});
