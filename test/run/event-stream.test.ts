// Progress as an async iterable: every event of a real run in order, the result beside it, and a failed
// call's error out of the loop.
import { eventStream, train, type TrainEvent } from '../../lib';
import { tempDir, TINY_ARCH } from '../helpers/fixtures';
import * as path from 'path';

test('a training run read with for await: the events the callback gets, in order, then the result', async () => {
  const base = tempDir('torchnas-events-');
  const options = {
    arch: TINY_ARCH,
    epochs: 2,
    limitTrain: 128,
    batchSize: 32,
    threads: 1,
    progressEvery: 1,
  };
  const heard: string[] = [];
  await train({ ...options, runDir: path.join(base, 'a') }, (e) => heard.push(e.type));
  const run = eventStream<TrainEvent, Awaited<ReturnType<typeof train>>>((on) =>
    train({ ...options, runDir: path.join(base, 'b') }, on),
  );
  const read: string[] = [];
  for await (const e of run) {
    read.push(e.type);
    await new Promise((r) => setTimeout(r, 1)); // a slow reader loses nothing
  }
  expect(read).toEqual(heard);
  expect(read.filter((t) => t === 'epoch')).toHaveLength(2);
  expect((await run.result).history).toHaveLength(2);
});

test('a call that fails ends the iteration with its error', async () => {
  const run = eventStream<TrainEvent, unknown>((on) => train({ arch: TINY_ARCH, epochs: -1 }, on));
  const loop = async () => {
    for await (const _ of run) {
      /* no events */
    }
  };
  await expect(loop()).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  await expect(run.result).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
});
