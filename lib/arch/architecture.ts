// A whole fixed network as a plain, JSON-able description: input shape, classes and a list of block
// strings. It is what `torchnas train --arch file.json` reads and what a search exports.
import * as fs from 'fs';
import { readJson } from '../util/json-file';
import { z } from 'zod';
import { fromZod, TorchnasError } from '../errors';
import { canonicalBlock, decodeBlock } from './grammar';
import type { Block } from './block';
import { PRESETS } from './presets';

export const ArchitectureSchema = z
  .object({
    format: z.literal('torchnas/arch@1').default('torchnas/arch@1'),
    name: z.string().min(1).default('unnamed'),
    input: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    classes: z.number().int().min(2),
    blocks: z.array(z.string()).min(1),
  })
  .strict();

export type Architecture = z.infer<typeof ArchitectureSchema>;

/** Validates a description and rewrites every block in canonical form. */
export function parseArchitecture(value: unknown): Architecture {
  const parsed = ArchitectureSchema.safeParse(value);
  if (!parsed.success) throw fromZod('architecture', parsed.error);
  return { ...parsed.data, blocks: parsed.data.blocks.map(canonicalBlock) };
}

export function blocksOf(arch: Architecture): Block[] {
  return arch.blocks.map(decodeBlock);
}

/** A preset name (see presets.ts) or the path of a JSON architecture file. */
export function loadArchitecture(nameOrPath: string): Architecture {
  if (Object.hasOwn(PRESETS, nameOrPath)) return parseArchitecture(PRESETS[nameOrPath].arch);
  if (!fs.existsSync(nameOrPath)) {
    throw new TorchnasError(
      'E_IO',
      `'${nameOrPath}' is neither a preset (${Object.keys(PRESETS).join(', ')}) nor an architecture file`,
    );
  }
  const json = readJson<unknown>(nameOrPath, 'architecture file');
  return parseArchitecture(json);
}
