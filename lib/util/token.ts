// A secret token compared in constant time (the dashboard's and the latency agent's), so a wrong
// guess takes as long to refuse whatever its prefix.
import { timingSafeEqual } from 'crypto';

export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
