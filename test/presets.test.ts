import { PRESETS, resolveTrainOptions, TrainOptionsSchema } from '../lib';

// A preset fills in what the caller leaves out, and never overrides a choice.
describe('preset recipes', () => {
  test('every preset recipe is a valid set of training options', () => {
    for (const [name, preset] of Object.entries(PRESETS)) {
      expect(TrainOptionsSchema.safeParse({ arch: name, ...preset.recipe }).success).toBe(true);
    }
  });

  test('the recipe applies where nothing was given', () => {
    expect(resolveTrainOptions({ arch: 'fmnist-cnn' })).toMatchObject({
      epochs: 1,
      optimizer: 'adam',
      batchSize: 64,
      augment: false,
    });
    expect(resolveTrainOptions({})).toMatchObject({ arch: 'fmnist-cnn', optimizer: 'adam' }); // the default preset, with its recipe
  });

  test('explicit options win, undefined ones do not erase the recipe', () => {
    const o = resolveTrainOptions({ arch: 'fmnist-mbconv', optimizer: 'sgd', batchSize: 32, lr: undefined });
    expect(o).toMatchObject({ optimizer: 'sgd', batchSize: 32, lr: 0.003, epochs: 12 });
  });

  test('an architecture object has no recipe', () => {
    const arch = {
      name: 'x',
      input: [1, 28, 28] as [number, number, number],
      classes: 10,
      blocks: ['gap', 'fc'],
    };
    expect(resolveTrainOptions({ arch })).toMatchObject({ optimizer: 'sgd', lr: 0.1 });
  });
});
