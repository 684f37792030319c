// Two-objective Pareto utilities for searches that trade accuracy (higher is better) against a cost such
// as latency or parameters (lower is better). Pure functions over plain numbers, so the multi-objective
// search and its reports share one definition of "better" and can be tested without native code.
// Objectives are expected to be finite numbers; NaN compares false everywhere and would silently
// make a point incomparable.

export interface Objectives {
  accuracy: number;
  cost: number;
}

/** True when `a` is at least as good as `b` in both objectives and strictly better in one. */
export function dominates(a: Objectives, b: Objectives): boolean {
  if (a.accuracy < b.accuracy || a.cost > b.cost) return false;
  return a.accuracy > b.accuracy || a.cost < b.cost;
}

/**
 * Splits `items` into fronts: the first holds the non-dominated items, the second those dominated only by
 * the first, and so on. Items keep their input order within a front, so callers that break ties by
 * position stay deterministic. O(n^2) comparisons, which is fine for population-sized inputs.
 */
export function nondominatedSort<T>(items: readonly T[], objectives: (t: T) => Objectives): T[][] {
  const points = items.map(objectives);
  const dominatedBy = points.map(() => 0); // how many points dominate each point
  const dominating: number[][] = points.map(() => []); // which points each point dominates
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      if (dominates(points[i], points[j])) {
        dominating[i].push(j);
        dominatedBy[j]++;
      } else if (dominates(points[j], points[i])) {
        dominating[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: T[][] = [];
  let current = points.flatMap((_, i) => (dominatedBy[i] === 0 ? [i] : []));
  while (current.length) {
    fronts.push(current.map((i) => items[i]));
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominating[i]) if (--dominatedBy[j] === 0) next.push(j);
    }
    // Peeling a front can free points in any order: restore input order for determinism.
    current = next.sort((x, y) => x - y);
  }
  return fronts;
}

/**
 * NSGA-II crowding distance of each point within its set (normally one front): for each objective, the
 * gap between a point's two neighbours along that objective, normalized by the objective's range, summed
 * over both objectives. The extremes of each objective get Infinity so selection always keeps the ends
 * of a front. An objective with zero range adds nothing (every gap is zero). Equal values are ordered by
 * index, so which of two identical points counts as the extreme is deterministic.
 */
export function crowdingDistance(points: readonly Objectives[]): number[] {
  const distance = points.map(() => 0);
  if (points.length === 0) return distance;
  for (const key of ['accuracy', 'cost'] as const) {
    const order = points.map((_, i) => i).sort((i, j) => points[i][key] - points[j][key]);
    const first = order[0];
    const last = order[order.length - 1];
    distance[first] = Infinity;
    distance[last] = Infinity;
    const range = points[last][key] - points[first][key];
    if (range <= 0) continue;
    for (let k = 1; k < order.length - 1; k++) {
      distance[order[k]] += (points[order[k + 1]][key] - points[order[k - 1]][key]) / range;
    }
  }
  return distance;
}

/**
 * The non-dominated items as a staircase: sorted by cost ascending, each kept item strictly more accurate
 * than the one before. Of items with identical objectives only the first in input order is kept, so the
 * result has one item per distinct trade-off. A sweep over cost finds exactly the first front of
 * `nondominatedSort` (minus those duplicates) in O(n log n).
 */
export function paretoFront<T>(items: readonly T[], objectives: (t: T) => Objectives): T[] {
  const points = items.map((item) => ({ item, o: objectives(item) }));
  // Cheapest first; at equal cost the most accurate first, so the others at that cost are skipped.
  points.sort((a, b) => a.o.cost - b.o.cost || b.o.accuracy - a.o.accuracy);
  const front: T[] = [];
  let best = -Infinity;
  for (const { item, o } of points) {
    if (o.accuracy > best) {
      front.push(item);
      best = o.accuracy;
    }
  }
  return front;
}

/**
 * The 2-D hypervolume: the area of the region of (cost, accuracy) plane that is dominated by at least one
 * point and bounded by `reference`, i.e. the union over points p of the rectangles
 * [p.cost, reference.cost] x [reference.accuracy, p.accuracy]. Convention: `reference` is a "worst
 * acceptable" corner (high cost, low accuracy); a point contributes only if it is strictly better than
 * the reference in both objectives (accuracy > reference.accuracy and cost < reference.cost), so points
 * outside the box add nothing rather than negative area. Larger is better.
 */
export function hypervolume(points: readonly Objectives[], reference: Objectives): number {
  const inside = points.filter((p) => p.accuracy > reference.accuracy && p.cost < reference.cost);
  const stairs = paretoFront(inside, (p) => p);
  // On the staircase, between one step's cost and the next the best accuracy reached is that step's.
  let area = 0;
  for (let i = 0; i < stairs.length; i++) {
    const nextCost = i + 1 < stairs.length ? stairs[i + 1].cost : reference.cost;
    area += (nextCost - stairs[i].cost) * (stairs[i].accuracy - reference.accuracy);
  }
  return area;
}
