// The process's resident memory from /proc (Linux): VmRSS now, VmHWM its high-water mark, which
// writing '5' to /proc/self/clear_refs resets to VmRSS.
import * as fs from 'fs';

export function residentKiB(field: 'VmHWM' | 'VmRSS'): number {
  const line = fs
    .readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(field));
  return Number(line!.split(/\s+/)[1]);
}
