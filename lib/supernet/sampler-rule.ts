// The sampling rule of a supernet training step, as users write it: `uniform`, `sandwich`,
// `bestup-k` or `worstup-k` (AttentiveNAS, k candidates near a MACs target), or `shiftnas` (the
// middle subnets from ShiftNAS's generator, lib/supernet/shiftnas/).
import { invalid } from '../errors';

export interface SamplerRule {
  rule: 'uniform' | 'sandwich' | 'bestup' | 'worstup' | 'shiftnas';
  candidates: number;
}

export const SAMPLER_PATTERN = /^(uniform|sandwich|shiftnas|(bestup|worstup)-[1-9][0-9]*)$/;

export function parseSamplerRule(text: string): SamplerRule {
  if (!SAMPLER_PATTERN.test(text)) {
    throw invalid(
      `sampler: '${text}' is not a sampling rule: use uniform, sandwich, bestup-<k>, worstup-<k> (e.g. bestup-3) or shiftnas`,
      ['sampler'],
    );
  }
  const [rule, k] = text.split('-');
  return { rule: rule as SamplerRule['rule'], candidates: k ? Number(k) : 1 };
}
