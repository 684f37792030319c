// One data-parallel rank (or the one-process reference) for the data-parallel tests: runs a short
// training, search or sandwich epoch in an fp64 session on Fashion-MNIST and writes its final
// parameters (and architecture logits) as JSON. Runs the compiled dist/ (jest's global setup builds it).
// argv[2]: JSON {kind, rank, worldSize, port, microBatches, syncBatchNorm, batch, images, epochs, out}.
'use strict';
const fs = require('fs');
const lib = require('../../dist/lib');

const SMALL_ELASTIC = {
  name: 'dp-elastic',
  input: [1, 28, 28],
  classes: 10,
  stem: ['conv_k3_s2_c8'],
  stages: [{ widths: [8, 12], depths: [1, 2], kernels: [3, 5], expands: [2, 3], stride: 2 }],
  head: ['conv_k1_c16', 'gap', 'fc'],
};
const FIXED = {
  name: 'dp-cnn',
  input: [1, 28, 28],
  classes: 10,
  blocks: ['conv_k3_s2_c8', 'conv_k3_s2_c16', 'gap', 'fc'],
};

async function main() {
  const o = JSON.parse(process.argv[2]);
  const session = new lib.Session({
    device: 'cpu',
    threads: 1,
    seed: 3,
    precision: 'fp64',
    microBatches: o.microBatches ?? 1,
  });
  if (o.worldSize > 1) {
    await session.connectDistributed({
      rank: o.rank,
      worldSize: o.worldSize,
      masterPort: o.port,
      timeoutMs: o.timeoutMs ?? 60000,
      syncBatchNorm: o.syncBatchNorm ?? false,
    });
  }
  const full = await lib.loadDataset('fashion-mnist', 'train');
  const data = full.subset(o.images, 7);
  const augment = lib.augmentationFor('fashion-mnist', true);
  const loader = (epoch) => ({ batchSize: o.batch, seed: 11, epoch, augment });
  const totalSteps = 1000;
  const training = { optimizer: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4, totalSteps };
  const out = {};
  if (o.kind === 'train') {
    await session.buildNetwork(lib.parseArchitecture(FIXED));
    await session.configureTraining(training);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      await session.trainEpoch(data, { ...loader(epoch), progressEvery: 1 }, () =>
        process.stdout.write('step\n'),
      );
    }
  } else if (o.kind === 'search') {
    const space = lib.resolveSpace(lib.loadSpace('proxyless-28'));
    await lib.buildSupernet(session, space);
    await session.configureTraining(training);
    await lib.configureSearch(session, { method: 'gradient', mode: o.mode ?? 'two', lr: 0.01 });
    const valid = full.subset(o.images, 8);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      await lib.searchEpoch(session, data, valid, {
        train: loader(epoch),
        valid: { ...loader(epoch), seed: 13 },
        archEvery: 1,
      });
    }
    out.logits = (await lib.archState(session)).logits;
  } else if (o.kind === 'sandwich') {
    await lib.buildElastic(session, lib.loadElasticSpace(SMALL_ELASTIC));
    await session.configureTraining(training);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      await lib.supernetEpoch(session, data, {
        ...loader(epoch),
        progressEvery: 1,
        sampler: { rule: 'sandwich', middle: 1 },
      });
    }
  }
  const tensors = await session.stateTensors64();
  const pick = (keep) =>
    Object.fromEntries(
      Object.entries(tensors)
        .filter(([name]) => keep(name))
        .map(([k, v]) => [k, Array.from(v)]),
    );
  out.params = pick((name) => !/running_|num_batches/.test(name));
  out.buffers = pick((name) => /running_/.test(name));
  await session.close();
  if (o.out) fs.writeFileSync(o.out, JSON.stringify(out));
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`worker failed: ${error.message} [${error.code}]\n`);
    process.exit(3);
  },
);
