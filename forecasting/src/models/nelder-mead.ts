/**
 * Nelder–Mead simplex minimisation: enough for the three or four smoothing parameters of exponential smoothing,
 * with no gradient to derive. Parameters are unconstrained; callers map them into their ranges.
 */
export function nelderMead(
  objective: (x: readonly number[]) => number,
  start: readonly number[],
  options: { maxEvaluations?: number; step?: number; tolerance?: number } = {},
): { x: number[]; value: number } {
  const maxEvaluations = options.maxEvaluations ?? 400;
  const step = options.step ?? 0.5;
  const tolerance = options.tolerance ?? 1e-8;
  const dim = start.length;
  const safe = (x: readonly number[]): number => {
    const v = objective(x);
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  let simplex = [start.slice()];
  for (let i = 0; i < dim; i++) {
    const vertex = start.slice();
    vertex[i] = vertex[i]! + step;
    simplex.push(vertex);
  }
  let values = simplex.map(safe);
  let evaluations = simplex.length;
  while (evaluations < maxEvaluations) {
    const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
    simplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    if (Math.abs(values[dim]! - values[0]!) <= tolerance * (Math.abs(values[0]!) + tolerance)) break;
    const centroid = new Array<number>(dim).fill(0);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) centroid[j]! += simplex[i]![j]! / dim;
    const towards = (t: number): number[] => centroid.map((c, j) => c + t * (simplex[dim]![j]! - c));
    const reflected = towards(-1);
    const fr = safe(reflected);
    evaluations++;
    if (fr < values[0]!) {
      const expanded = towards(-2);
      const fe = safe(expanded);
      evaluations++;
      [simplex[dim], values[dim]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < values[dim - 1]!) {
      [simplex[dim], values[dim]] = [reflected, fr];
    } else {
      const contracted = towards(fr < values[dim]! ? -0.5 : 0.5);
      const fc = safe(contracted);
      evaluations++;
      if (fc < Math.min(fr, values[dim]!)) {
        [simplex[dim], values[dim]] = [contracted, fc];
      } else {
        for (let i = 1; i <= dim; i++) {
          simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
          values[i] = safe(simplex[i]!);
          evaluations++;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! < values[best]!) best = i;
  return { x: simplex[best]!, value: values[best]! };
}

/** Maps an unconstrained number into (low, high). */
export function squash(x: number, low: number, high: number): number {
  return low + (high - low) / (1 + Math.exp(-x));
}
