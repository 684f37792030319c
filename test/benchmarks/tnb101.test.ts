import { TNB101_METRICS, TNB101_TASKS, tnb101Archs, tnb101Query, tnb101SpaceOf } from '../../lib/benchmarks';
import { expectInvalid } from './expect-invalid';

describe('TransNAS-Bench-101', () => {
  test('both spaces are complete for all seven tasks', () => {
    expect(tnb101Archs('micro')).toHaveLength(4096);
    expect(tnb101Archs('macro')).toHaveLength(3256);
    expect(TNB101_TASKS).toHaveLength(7);
    for (const task of TNB101_TASKS) expect(TNB101_METRICS[task]).toBeTruthy();
  });

  test('queries micro and macro architectures (figures as in the source CSVs)', () => {
    expect(tnb101SpaceOf('64-41414-2_32_323')).toBe('micro');
    expect(tnb101SpaceOf('64-232323-basic')).toBe('macro');
    expect(tnb101Query('64-41414-2_32_323', 'autoencoder')).toBeCloseTo(0.4563158, 6);
    expect(tnb101Query('64-232323-basic', 'autoencoder')).toBeCloseTo(0.4070892, 6);
    expect(tnb101Query('64-41414-3_33_333', 'room_layout')).toBeLessThan(0);
    for (const arch of [tnb101Archs('micro')[0], tnb101Archs('macro')[0]]) {
      for (const task of TNB101_TASKS) expect(Number.isFinite(tnb101Query(arch, task))).toBe(true);
    }
  });

  test.each([
    ['64-41414-2_32', /cell '2_32' must be 'a_bc_def'/],
    ['64-41414-2_32_324', /cell '2_32_324' must be 'a_bc_def' with ops 0 none/],
    ['32-41414-2_32_323', /width '32' must be 64/],
    ['64-4141-2_32_323', /skeleton '41414', got '4141'/],
    ['64-1250-basic', /modules '1250' must be 4 to 6 digits 1..4/],
    ['64-41414', /expected 3 parts joined by '-'/],
  ])('rejects %s, naming the bad part', (arch, message) => {
    expectInvalid(() => tnb101Query(arch, 'jigsaw'), message);
  });

  test('unknown tasks list the valid ones; well-formed but untrained macro networks are named', () => {
    expectInvalid(
      () => tnb101Query('64-41414-2_32_323', 'depth'),
      /unknown TransNAS-Bench-101 task 'depth' \(known: class_scene, class_object, room_layout, jigsaw, segmentsemantic, normal, autoencoder\)/,
    );
    const trained = new Set(tnb101Archs('macro'));
    const untrained = ['1111', '44444', '444444', '4444']
      .map((m) => `64-${m}-basic`)
      .find((a) => !trained.has(a));
    expect(untrained).toBeDefined();
    expectInvalid(
      () => tnb101Query(untrained!, 'jigsaw'),
      /well formed but not among the 3256 the benchmark trained/,
    );
  });
});
