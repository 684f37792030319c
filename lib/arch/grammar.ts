// The block grammar: `<op>[_<key><value>]...`, e.g. `conv_k3_s2_c32`, `mb_k5_s1_e3_c40_se0.25_aswish`,
// `zero`, `maxpool_k2_s2`, `gap`, `fc`, `drop_p0.2`. Keys: k kernel, s stride, e expand, c out
// channels, se squeeze-excite ratio, a activation, p dropout. Decoding rejects unknown ops, unknown or
// repeated keys and keys an op does not take; encoding writes the canonical form, so
// encode(decode(s)) is the canonical spelling of s and decode(encode(b)) equals b.
import { invalid } from '../errors';
import { ACTIVATIONS, type Activation, type Block } from './block';

const OP_NAMES: Record<string, Block['op']> = {
  conv: 'conv',
  mb: 'mbconv',
  id: 'identity',
  zero: 'zero',
  maxpool: 'maxpool',
  avgpool: 'avgpool',
  gap: 'gap',
  fc: 'linear',
  drop: 'dropout',
};
const OP_TOKENS = Object.fromEntries(Object.entries(OP_NAMES).map(([token, op]) => [op, token])) as Record<
  Block['op'],
  string
>;

type Key = 'k' | 's' | 'e' | 'c' | 'se' | 'a' | 'p';
// Which keys each op takes, in canonical order, and which it requires.
const KEYS: Record<Block['op'], { allowed: Key[]; required: Key[] }> = {
  conv: { allowed: ['k', 's', 'c', 'a'], required: ['k', 'c'] },
  mbconv: { allowed: ['k', 's', 'e', 'c', 'se', 'a'], required: ['k', 'e', 'c'] },
  identity: { allowed: [], required: [] },
  zero: { allowed: ['s', 'c'], required: [] },
  maxpool: { allowed: ['k', 's'], required: ['k'] },
  avgpool: { allowed: ['k', 's'], required: ['k'] },
  gap: { allowed: [], required: [] },
  linear: { allowed: ['c'], required: [] },
  dropout: { allowed: ['p'], required: ['p'] },
};
const DEFAULT_ACT: Partial<Record<Block['op'], Activation>> = { conv: 'relu', mbconv: 'relu6' };

function positiveInt(text: string, what: string, source: string): number {
  if (!/^[1-9][0-9]*$/.test(text))
    throw invalid(`block '${source}': ${what} must be a positive integer, got '${text}'`);
  return Number(text);
}

function fraction(text: string, what: string, source: string, allowOne: boolean): number {
  const value = Number(text);
  if (!/^[0-9]*\.?[0-9]+$/.test(text) || !(value >= 0 && (allowOne ? value <= 1 : value < 1))) {
    throw invalid(
      `block '${source}': ${what} must be a number in [0, 1${allowOne ? ']' : ')'}, got '${text}'`,
    );
  }
  return value;
}

export function decodeBlock(source: string): Block {
  if (typeof source !== 'string' || source.length === 0) throw invalid('a block must be a non-empty string');
  const [opToken, ...parts] = source.split('_');
  const op = Object.hasOwn(OP_NAMES, opToken) ? OP_NAMES[opToken] : undefined;
  if (!op) {
    throw invalid(`block '${source}': unknown op '${opToken}' (known: ${Object.keys(OP_NAMES).join(', ')})`);
  }
  const values = new Map<Key, string>();
  for (const part of parts) {
    const match = /^(se|k|s|e|c|a|p)(.+)$/.exec(part);
    if (!match) throw invalid(`block '${source}': cannot read '${part}' (keys: k, s, e, c, se, a, p)`);
    const key = match[1] as Key;
    if (!KEYS[op].allowed.includes(key)) {
      throw invalid(
        `block '${source}': '${opToken}' takes no '${key}' (it takes ${KEYS[op].allowed.join(', ') || 'nothing'})`,
      );
    }
    if (values.has(key)) throw invalid(`block '${source}': '${key}' is given twice`);
    values.set(key, match[2]);
  }
  for (const key of KEYS[op].required) {
    if (!values.has(key)) throw invalid(`block '${source}': '${opToken}' needs '${key}'`);
  }
  const int = (key: Key, what: string, fallback: number) =>
    values.has(key) ? positiveInt(values.get(key)!, what, source) : fallback;
  // Convolutions pad k/2 on each side to keep the size: only odd kernels do (the native build checks too).
  const oddKernel = () => {
    const kernel = int('k', 'kernel', 1);
    if (kernel % 2 === 0)
      throw invalid(`block '${source}': the kernel must be odd (1, 3, 5, 7...), got ${kernel}`);
    return kernel;
  };
  const act = (): Activation => {
    const a = values.get('a') ?? DEFAULT_ACT[op]!;
    if (!(ACTIVATIONS as readonly string[]).includes(a)) {
      throw invalid(`block '${source}': unknown activation '${a}' (known: ${ACTIVATIONS.join(', ')})`);
    }
    return a as Activation;
  };
  switch (op) {
    case 'conv':
      return {
        op,
        kernel: oddKernel(),
        stride: int('s', 'stride', 1),
        out: int('c', 'channels', 1),
        act: act(),
      };
    case 'mbconv':
      return {
        op,
        kernel: oddKernel(),
        stride: int('s', 'stride', 1),
        expand: int('e', 'expand ratio', 1),
        out: int('c', 'channels', 1),
        se: values.has('se') ? fraction(values.get('se')!, 'se ratio', source, true) : 0,
        act: act(),
      };
    case 'identity':
    case 'gap':
      return { op };
    case 'zero':
      return values.has('c')
        ? { op, stride: int('s', 'stride', 1), out: int('c', 'channels', 1) }
        : { op, stride: int('s', 'stride', 1) };
    case 'maxpool':
    case 'avgpool': {
      const kernel = int('k', 'kernel', 1);
      return { op, kernel, stride: int('s', 'stride', kernel) };
    }
    case 'linear':
      return values.has('c') ? { op, out: int('c', 'channels', 1) } : { op };
    case 'dropout':
      return { op, p: fraction(values.get('p')!, 'dropout probability', source, false) };
  }
}

export function encodeBlock(block: Block): string {
  const parts = [OP_TOKENS[block.op]];
  switch (block.op) {
    case 'conv':
      parts.push(`k${block.kernel}`, `s${block.stride}`, `c${block.out}`);
      if (block.act !== DEFAULT_ACT.conv) parts.push(`a${block.act}`);
      break;
    case 'mbconv':
      parts.push(`k${block.kernel}`, `s${block.stride}`, `e${block.expand}`, `c${block.out}`);
      if (block.se > 0) parts.push(`se${block.se}`);
      if (block.act !== DEFAULT_ACT.mbconv) parts.push(`a${block.act}`);
      break;
    case 'zero':
      parts.push(`s${block.stride}`);
      if (block.out !== undefined) parts.push(`c${block.out}`);
      break;
    case 'maxpool':
    case 'avgpool':
      parts.push(`k${block.kernel}`, `s${block.stride}`);
      break;
    case 'linear':
      if (block.out !== undefined) parts.push(`c${block.out}`);
      break;
    case 'dropout':
      parts.push(`p${block.p}`);
      break;
    case 'identity':
    case 'gap':
      break;
  }
  return parts.join('_');
}

/** The canonical spelling of a block string. */
export function canonicalBlock(source: string): string {
  return encodeBlock(decodeBlock(source));
}
