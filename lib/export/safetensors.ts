// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian
// data. No npm package for it is published; the format is small enough to write here, and the
// reader refuses anything it does not describe exactly (ranges that overlap, leave gaps or overrun).
import { TorchnasError } from '../errors';

export interface NamedTensor {
  shape: number[];
  /** F32 (from Float32Array / Float64Array values) or I64 (whole numbers). */
  dtype: 'F32' | 'I64';
  values: ArrayLike<number>;
}

const BYTES = { F32: 4, I64: 8 } as const;

function encode(t: NamedTensor): Uint8Array {
  if (t.dtype === 'I64')
    return new Uint8Array(BigInt64Array.from(Array.from(t.values, (v) => BigInt(Math.round(v)))).buffer);
  return new Uint8Array(Float32Array.from(t.values).buffer);
}

/** One safetensors file's bytes; `metadata` goes in the header's `__metadata__` (strings only). */
export function safetensorsBytes(
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = encode(t);
    if (bytes.length !== t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype]) {
      const size = t.shape.reduce((a, b) => a * b, 1);
      throw new TorchnasError(
        'E_INVALID_ARGUMENT',
        `safetensors: '${name}' holds ${t.values.length} values, its shape [${t.shape.join(', ')}] needs ${size}`,
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // the data starts 8-byte aligned
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export interface ReadTensor {
  shape: number[];
  dtype: 'F32' | 'I64';
  values: Float64Array;
}

/** Reads a safetensors file's tensors (F32 and I64) as float64 values, and its metadata. */
export function readSafetensors(
  bytes: Uint8Array,
  what = 'the safetensors file',
): { tensors: Record<string, ReadTensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new TorchnasError('E_DATA', `${what} is not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw bad('it is shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw bad(`its header length ${headerLength} runs past the end`);
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8'));
  } catch {
    throw bad('its header is not JSON');
  }
  const data = bytes.subarray(8 + headerLength);
  const tensors: Record<string, ReadTensor> = {};
  const ranges: [number, number][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const {
      dtype,
      shape,
      data_offsets: range,
    } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32' && dtype !== 'I64') throw bad(`'${name}' is ${dtype}; torchnas reads F32 and I64`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (
      !Array.isArray(range) ||
      range[1] - range[0] !== count * BYTES[dtype] ||
      range[1] > data.length ||
      range[0] < 0
    ) {
      throw bad(`'${name}' has a byte range that does not fit its shape or the file`);
    }
    // A copy, aligned for the typed array (a Buffer's slice would share the whole file's memory).
    const slice = new Uint8Array(range[1] - range[0]);
    slice.set(data.subarray(range[0], range[1]));
    const values =
      dtype === 'F32'
        ? Float64Array.from(new Float32Array(slice.buffer))
        : Float64Array.from(new BigInt64Array(slice.buffer), Number);
    tensors[name] = { shape, dtype, values };
    ranges.push(range);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  ranges.forEach((r, i) => {
    if (r[0] !== (i ? ranges[i - 1][1] : 0)) throw bad('its tensors overlap or leave gaps');
  });
  if ((ranges.at(-1)?.[1] ?? 0) !== data.length) throw bad('it holds bytes no tensor describes');
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}
