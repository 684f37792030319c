import {
  NB201_DATASETS,
  NB201_DEVICES,
  NB201_SIZE,
  nb201Accuracy,
  nb201AccuracyColumn,
  nb201ArchString,
  nb201Best,
  nb201CellOf,
  nb201Index,
  nb201Latency,
  nb201LatencyColumn,
} from '../../lib/benchmarks';
import { expectInvalid } from './expect-invalid';

describe('NB201 tables', () => {
  test('loads every table quickly (logged, not asserted)', () => {
    const started = process.hrtime.bigint();
    for (const dataset of NB201_DATASETS)
      for (const split of ['test', 'valid'] as const)
        for (const epochs of [12, 200] as const) nb201AccuracyColumn(dataset, split, epochs);
    for (const device of NB201_DEVICES) nb201LatencyColumn(device);
    console.log(
      `NB201 accuracy and latency tables read and checked in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`,
    );
  });

  test('index, string and cell agree for all 15,625 architectures', () => {
    for (let index = 0; index < NB201_SIZE; index++) {
      const arch = nb201ArchString(index);
      expect(nb201Index(arch)).toBe(index);
      expect(nb201Index(nb201CellOf(index))).toBe(index);
    }
  });

  test('index order is the NATS-Bench API order', () => {
    expect(nb201ArchString(0)).toBe(
      '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|',
    );
    expect(nb201ArchString(1)).toBe(
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
    );
  });

  test.each([
    ['cifar10', 6111, 94.373],
    ['cifar100', 9930, 73.513],
    ['ImageNet16-120', 857, 47.311],
  ])('the best %s test accuracy is at index %i (%f)', (dataset, index, accuracy) => {
    const best = nb201Best(dataset);
    expect(best.index).toBe(index);
    expect(best.accuracy).toBeCloseTo(accuracy, 3);
    expect(nb201Accuracy(best.arch, dataset)).toBe(best.accuracy);
  });

  test('queries by string, index and cell give the same figures', () => {
    const arch = nb201ArchString(6111);
    expect(nb201Accuracy(arch, 'cifar10', 'valid')).toBe(nb201Accuracy(6111, 'cifar10', 'valid'));
    expect(nb201Accuracy(nb201CellOf(6111), 'cifar10', 'test', 12)).toBe(
      nb201Accuracy(6111, 'cifar10', 'test', 12),
    );
    expect(nb201Latency(arch, 'fpga')).toBe(nb201Latency(6111, 'fpga'));
  });

  test('figures are in range and the 12-epoch schedule is below the 200-epoch one on average', () => {
    for (const dataset of NB201_DATASETS) {
      const low = nb201AccuracyColumn(dataset, 'valid', 12);
      const high = nb201AccuracyColumn(dataset, 'valid', 200);
      const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(Math.min(...high)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...high)).toBeLessThanOrEqual(100);
      expect(mean(low)).toBeLessThan(mean(high));
    }
    expect(NB201_DEVICES).toHaveLength(27);
    expect(nb201Latency(6111, 'titan_rtx_256')).toBeGreaterThan(nb201Latency(6111, 'titan_rtx_1'));
  });

  test('bad input fails with E_INVALID_ARGUMENT naming what is valid', () => {
    expectInvalid(
      () => nb201Accuracy(0, 'cifar-10'),
      /unknown NB201 dataset 'cifar-10' \(known: cifar10, cifar100, ImageNet16-120\)/,
    );
    expectInvalid(
      () => nb201Latency(0, 'v100'),
      /unknown NB201 latency device 'v100' \(known: 1080ti_1, .*fpga\)/,
    );
    expectInvalid(() => nb201Accuracy(0, 'cifar10', 'train' as never), /split must be 'test' or 'valid'/);
    expectInvalid(() => nb201Accuracy(0, 'cifar10', 'test', 100 as never), /epochs must be 12 or 200/);
    expectInvalid(() => nb201Index(15625), /0..15624, got 15625/);
    expectInvalid(() => nb201Index('|none~0|'), /expected 3 nodes/);
  });
});
