import { loadDataset, loadSpace, resolveSpace, Session, augmentationFor } from '../lib';
async function main() {
  const resolved = resolveSpace(loadSpace('proxyless-28'));
  const [train, valid] = (await loadDataset('fashion-mnist', 'train')).subset(8000, 1).split(0.2, 1);
  const aug = augmentationFor('fashion-mnist', true);
  const [lr, zeroInit, epochs, batch] = [Number(process.argv[2]), process.argv[3] === 'zero', Number(process.argv[4] ?? 6), Number(process.argv[5] ?? 128)];
  const s = new Session({ device: 'cpu', threads: 1, seed: 1 });
  await s.buildSupernet(resolved);
  if (zeroInit) {
    const state = await s.stateTensors64();
    for (const [k, v] of Object.entries(state)) {
      const e = Number(/^edge(\d+)\./.exec(k)?.[1] ?? -1);
      if (e >= 0 && resolved.edges[e].shortcut && k.endsWith('conv_pwl.bn.weight')) v.fill(0);
    }
    await s.setStateTensors(state);
  }
  await s.configureTraining({ lr, totalSteps: Math.ceil(6400 / batch) * epochs, weightDecay: 4e-5, labelSmoothing: 0.1 });
  await s.configureSearch({ mode: 'two' });
  for (let epoch = 0; epoch < epochs; epoch++) {
    const st = await s.searchEpoch(train, valid, { train: { batchSize: batch, augment: aug, epoch }, valid: { batchSize: 128, augment: aug }, updateArch: false });
    const v = await s.evaluatePaths(valid, { batchSize: 128, augment: { mean: aug.mean, std: aug.std }, sampled: true });
    console.log(`batch ${batch} lr ${lr} ${zeroInit ? 'zero-init' : 'default'} epoch ${epoch + 1}: train top1 ${st.top1.toFixed(3)} valid sampled ${v.top1.toFixed(3)} ${st.seconds.toFixed(1)} s`);
  }
  await s.close();
}
main();
