// Measured latency (ms) of every NB201 network on 27 device settings (HELP; the eyeriss, fpga, pixel3
// and raspi4 columns are HW-NAS-Bench's). GPU names carry the batch size (`titan_rtx_32`); the four
// phones report whole milliseconds; the Xeon CPUs and edge devices are batch 1.
import { z } from 'zod';
import { invalid, TorchnasError } from '../errors';
import { NB201_SIZE } from '../spaces/nb201/nb201-cell';
import { nb201Index, type Nb201Arch } from './nb201';
import { numberColumn, readTableFile } from './table-files';

export const NB201_DEVICES = [
  '1080ti_1',
  '1080ti_32',
  '1080ti_256',
  '2080ti_1',
  '2080ti_32',
  '2080ti_256',
  'titan_rtx_1',
  'titan_rtx_32',
  'titan_rtx_256',
  'titanx_1',
  'titanx_32',
  'titanx_256',
  'titanxp_1',
  'titanxp_32',
  'titanxp_256',
  'gold_6226',
  'gold_6240',
  'silver_4114',
  'silver_4210r',
  'essential_ph_1',
  'pixel2',
  'samsung_a50',
  'samsung_s7',
  'pixel3',
  'raspi4',
  'eyeriss',
  'fpga',
] as const;
export type Nb201Device = (typeof NB201_DEVICES)[number];

const LatencyFileSchema = z.object({
  format: z.literal('torchnas/nb201-latency@1'),
  devices: z.array(z.string()),
  latencyMs: z.record(z.string(), numberColumn(NB201_SIZE, 0)),
});

function latencyTable() {
  const file = readTableFile('nb201-latency.json.gz', LatencyFileSchema);
  const missing = NB201_DEVICES.filter((d) => !file.latencyMs[d]);
  if (missing.length)
    throw new TorchnasError(
      'E_DATA',
      `nb201-latency.json.gz lacks devices ${missing.join(', ')}: rebuild it with node scripts/build-benchmark-data.js`,
    );
  return file.latencyMs as Record<Nb201Device, number[]>;
}

export function checkNb201Device(device: string): Nb201Device {
  if (!(NB201_DEVICES as readonly string[]).includes(device)) {
    throw invalid(`unknown NB201 latency device '${device}' (known: ${NB201_DEVICES.join(', ')})`);
  }
  return device as Nb201Device;
}

/** All 15,625 latencies (ms) on one device, indexed by NATS-Bench index. */
export function nb201LatencyColumn(device: string): readonly number[] {
  return latencyTable()[checkNb201Device(device)];
}

export function nb201Latency(arch: Nb201Arch, device: string): number {
  const values = nb201LatencyColumn(device);
  return values[nb201Index(arch)];
}
