// Kills a run with SIGKILL as soon as its run directory has committed an epoch (so the kill lands in
// the next epoch), and waits for it to exit.
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export async function killWhenCommitted(child: ChildProcess, runDir: string, epochs = 1): Promise<void> {
  const stateFile = path.join(runDir, 'state.json');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (fs.existsSync(stateFile) && JSON.parse(fs.readFileSync(stateFile, 'utf8')).epochsDone >= epochs) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 10);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the run ended before it could be killed'));
    });
  });
  await new Promise((r) => child.once('exit', r));
}
