// The weights a supernet run's last checkpoint holds (for comparing an uninterrupted run with a resumed one).
import { Session } from '../../lib';
import { openSupernetRun } from '../../lib/supernet/supernet-run';

export async function finalSupernetWeights(runDir: string) {
  const run = openSupernetRun(runDir);
  const s = new Session({ device: 'cpu', threads: 2 });
  await s.buildElastic(run.resolved);
  await s.loadCheckpoint(run.checkpoint);
  const weights = await s.stateTensors();
  await s.close();
  return weights;
}
