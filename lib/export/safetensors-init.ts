// Starting weights from a safetensors file (`train --init net.safetensors`): the file `torchnas export`
// writes, or any with the same names (PyTorch's state_dict of nn.Sequential of the blocks). Every tensor of
// the network must be in the file with its size, and the file may hold nothing else.
import * as fs from 'fs';
import { TorchnasError } from '../errors';
import type { Session } from '../train/session';
import { readSafetensors } from './safetensors';
import { stateDictName, tensorEntries } from './tensor-names';
import { resolveNetwork, type Architecture } from '../arch';

/** Sets the session's network from `file`, where the file's names are the addon's without `body.`. */
export async function loadSafetensorsInit(
  session: Session,
  file: string,
  arch: Architecture,
  flag = 'init',
): Promise<void> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new TorchnasError(
      'E_IO',
      `${flag} '${file}' is not a file: give a .safetensors or .pt weights file`,
      [flag],
    );
  }
  const { tensors } = readSafetensors(fs.readFileSync(file), `${flag} '${file}'`);
  const network = await session.stateTensors();
  const wanted = new Set(Object.keys(network).map(stateDictName));
  const missing = [...wanted].filter((name) => !(name in tensors));
  const extra = Object.keys(tensors).filter((name) => !wanted.has(name));
  const shapes = new Map(tensorEntries(resolveNetwork(arch).spec).map((e) => [e.name, e.shape]));
  const sameShape = (name: string) =>
    JSON.stringify(tensors[stateDictName(name)].shape) ===
    JSON.stringify(shapes.get(name) ?? [network[name].length]);
  const resized = Object.keys(network).filter((name) => stateDictName(name) in tensors && !sameShape(name));
  if (missing.length || extra.length || resized.length) {
    const list = (what: string, names: string[]) =>
      names.length ? [`${what} ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''}`] : [];
    throw new TorchnasError(
      'E_DATA',
      `${flag} '${file}' does not fit this network (${[
        ...list('missing', missing),
        ...list('not in the network', extra),
        ...list('of another shape', resized.map(stateDictName)),
      ].join(
        '; ',
      )}): give the weights of this architecture (torchnas export --format safetensors of its run)`,
      [flag],
    );
  }
  await session.setStateTensors(
    Object.fromEntries(Object.keys(network).map((n) => [n, tensors[stateDictName(n)].values])),
  );
}

/** Initial weights for a training run: safetensors by its extension, else the addon's .pt format. */
export async function loadInitWeights(session: Session, file: string, arch: Architecture): Promise<void> {
  if (file.toLowerCase().endsWith('.safetensors')) await loadSafetensorsInit(session, file, arch);
  else await session.loadWeights(file);
}
