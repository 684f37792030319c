import {
  NB201_SIZE,
  nb201AccuracyColumn,
  nb201BestUnderLatency,
  nb201LatencyColumn,
  nb201ParetoFront,
  paretoFront,
} from '../../lib/benchmarks';

describe('accuracy vs latency', () => {
  test('paretoFront keeps exactly the non-dominated points, by increasing cost', () => {
    const points = [
      { c: 3, v: 5 },
      { c: 1, v: 1 },
      { c: 2, v: 4 },
      { c: 2, v: 3 },
      { c: 4, v: 5 },
      { c: 5, v: 6 },
    ];
    expect(
      paretoFront(
        points,
        (p) => p.c,
        (p) => p.v,
      ),
    ).toEqual([
      { c: 1, v: 1 },
      { c: 2, v: 4 },
      { c: 3, v: 5 },
      { c: 5, v: 6 },
    ]);
  });

  test('NB201 front on a device: no architecture dominates a front point', () => {
    const front = nb201ParetoFront('cifar10', 'fpga');
    const accuracy = nb201AccuracyColumn('cifar10', 'test');
    const latency = nb201LatencyColumn('fpga');
    expect(front[front.length - 1].accuracy).toBe(Math.max(...accuracy));
    const dominated = front.filter((point) =>
      accuracy.some((a, i) => latency[i] < point.latencyMs && a > point.accuracy),
    );
    expect(dominated).toEqual([]);
    // ...and every architecture off the front is matched or beaten by a front point.
    const beaten = (i: number) => front.some((p) => p.latencyMs <= latency[i] && p.accuracy >= accuracy[i]);
    expect(accuracy.every((_, i) => beaten(i))).toBe(true);
  });

  test('best under a bound respects it, and differs between a GPU and an FPGA', () => {
    const median = (device: string) => [...nb201LatencyColumn(device)].sort((a, b) => a - b)[NB201_SIZE >> 1];
    const gpu = nb201BestUnderLatency('cifar10', 'titan_rtx_1', median('titan_rtx_1'))!;
    const fpga = nb201BestUnderLatency('cifar10', 'fpga', median('fpga'))!;
    expect(gpu.latencyMs).toBeLessThanOrEqual(median('titan_rtx_1'));
    expect(fpga.latencyMs).toBeLessThanOrEqual(median('fpga'));
    expect(gpu.index).not.toBe(fpga.index);
    expect(nb201BestUnderLatency('cifar10', 'fpga', 0.001)).toBeNull();
  });
});
