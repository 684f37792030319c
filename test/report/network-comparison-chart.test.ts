import { networkComparisonChart } from '../../lib/report';
import { svgOf, textsOf } from './render';

describe('network comparison chart', () => {
  test('one named point per network, a colour per kind, accuracy in percent against measured latency', async () => {
    const svg = await svgOf(
      networkComparisonChart(
        [
          { name: 'baseline', kind: 'hand-designed baseline', latencyMs: 1.2, top1: 0.93 },
          { name: 'searched-t075', kind: 'searched', latencyMs: 0.8, top1: 0.935 },
          { name: 'searched-t055', kind: 'searched', latencyMs: 0.7, top1: 0.931 },
        ],
        'Searched vs baseline',
        'batch 1',
      ),
    );
    const texts = textsOf(svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        'Searched vs baseline',
        'batch 1',
        'baseline',
        'searched-t075',
        'searched-t055',
        'measured latency (ms)',
        'test top-1 (%)',
        'hand-designed baseline',
        'searched',
      ]),
    );
    expect(svg).toMatch(/test top-1 \(%\): 93\.5; kind: searched/);
  });
});
