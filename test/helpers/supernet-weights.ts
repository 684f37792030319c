// The weights a supernet run's last checkpoint holds (for comparing an uninterrupted run with a resumed one).
import { Session } from '../../lib';
import { openSupernetRun } from '../../lib/supernet/supernet-run';
import { buildElastic } from '../../lib/supernet/elastic-session';

export async function finalSupernetWeights(runDir: string) {
  const run = openSupernetRun(runDir);
  const s = new Session({ device: 'cpu', threads: 2 });
  await buildElastic(s, run.resolved);
  await s.loadCheckpoint(run.checkpoint);
  const weights = await s.stateTensors();
  await s.close();
  return weights;
}
