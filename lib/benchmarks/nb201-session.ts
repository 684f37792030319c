// A session's NAS-Bench-201 networks: the cell network of one architecture and the weight-sharing
// supernet of every op on every edge (native/bindings/session_binding.cc, path_supernet_binding.cc).
import { z } from 'zod';
import { callNative, fromZod } from '../errors';
import type { Session } from '../train/session';
import { nb201ArchString, type Nb201Arch } from './nb201';
import { parseNb201Cell, type Nb201Cell } from '../spaces/nb201/nb201-cell';
import {
  nb201CellCost,
  Nb201NetworkOptionsSchema,
  type Nb201NetworkCost,
} from '../spaces/nb201/nb201-network';

export const Nb201BuildOptionsSchema = Nb201NetworkOptionsSchema.extend({
  /** Architecture string, NATS-Bench index, or the six edge ops. */
  arch: z.union([z.string(), z.number().int(), z.array(z.string())]),
});
export type Nb201BuildOptions = z.input<typeof Nb201BuildOptionsSchema>;

/**
 * Builds a NAS-Bench-201 cell network in `session` (CIFAR skeleton; defaults: C = 16, N = 5, 10 classes,
 * 3x32x32 input). Returns the canonical architecture string, its cost from the description and the
 * native parameter count.
 */
export async function buildNb201(
  session: Session,
  options: Nb201BuildOptions,
): Promise<Nb201NetworkCost & { arch: string; cell: Nb201Cell; nativeParams: number }> {
  const parsed = Nb201BuildOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('NB201 network options', parsed.error);
  const { arch, ...network } = parsed.data;
  const canonical = nb201ArchString(arch as Nb201Arch);
  const cell = parseNb201Cell(canonical);
  const cost = nb201CellCost(cell, network);
  const { parameters } = await callNative(() =>
    session.native.buildNb201({
      ops: [...cell],
      classes: network.classes,
      channels: network.channels,
      cells: network.cells,
      inputChannels: network.input[0],
    }),
  );
  session.builtInput = network.input;
  return { ...cost, arch: canonical, cell, nativeParams: parameters };
}

/**
 * The NB201 weight-sharing supernet (every op on every edge of every cell) for the network size of
 * `options` (defaults: C = 16, N = 5, 10 classes, 3x32x32 input). A path is six op indices.
 */
export async function buildNb201Supernet(
  session: Session,
  options: z.input<typeof Nb201NetworkOptionsSchema> = {},
): Promise<{ parameters: number }> {
  const parsed = Nb201NetworkOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('NB201 network options', parsed.error);
  const { classes, channels, cells, input } = parsed.data;
  session.builtInput = input;
  return callNative(() =>
    session.native.buildNb201Supernet({ classes, channels, cells, inputChannels: input[0] }),
  );
}
