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

/** Options of {@link nelderMeadR}; the defaults are those R's forecast::ets passes to optim's Nelder–Mead. */
export interface NelderMeadROptions {
  /** Function evaluations, counted as R counts them (the loop ends once the count passes this). */
  readonly maxit?: number;
  /** Relative convergence tolerance on the spread of the simplex's values. */
  readonly reltol?: number;
  readonly abstol?: number;
}

/** What R's optim substitutes for a non-finite objective value. */
const R_BIG = 1.0e35;

/**
 * Nelder–Mead exactly as R's `optim(method = "Nelder-Mead")` runs it (`nmmin` in R's optim.c), which is what
 * forecast::ets calls: one initial step for every coordinate (a tenth of the largest absolute start value, 0.1 if
 * all are 0), reflection 1, contraction 0.5, expansion 2, stop when the simplex's values agree to `reltol`.
 * Reproducing its path, not just its kind, is what makes SES, Holt and damped trend land on the same local
 * minima as the M4 benchmarks: their objective is often flat or multimodal in alpha.
 */
export function nelderMeadR(
  objective: (x: readonly number[]) => number,
  start: readonly number[],
  options: NelderMeadROptions = {},
): { x: number[]; value: number; evaluations: number } {
  const maxit = options.maxit ?? 2000;
  const reltol = options.reltol ?? Math.sqrt(Number.EPSILON);
  const abstol = options.abstol ?? -Infinity;
  const n = start.length;
  const f = (x: readonly number[]): number => {
    const v = objective(x);
    return Number.isFinite(v) ? v : R_BIG;
  };
  const first = objective(start);
  if (!Number.isFinite(first)) return { x: start.slice(), value: first, evaluations: 1 };
  let evaluations = 1;
  const convtol = reltol * (Math.abs(first) + reltol);
  // Vertices and their values; index 0 is the start.
  const p: number[][] = [start.slice()];
  const values: number[] = [first];
  let step = 0;
  for (const v of start) step = Math.max(step, 0.1 * Math.abs(v));
  if (step === 0) step = 0.1;
  let size = 0;
  for (let j = 0; j < n; j++) {
    const vertex = start.slice();
    let trystep = step;
    while (vertex[j] === start[j]) {
      vertex[j] = start[j]! + trystep;
      trystep *= 10;
    }
    size += trystep;
    p.push(vertex);
    values.push(NaN);
  }
  let oldsize = size;
  let calcvert = true;
  let low = 0;
  for (;;) {
    if (calcvert) {
      for (let j = 0; j <= n; j++) {
        if (j !== low) {
          values[j] = f(p[j]!);
          evaluations++;
        }
      }
      calcvert = false;
    }
    let vl = values[low]!;
    let vh = vl;
    let high = low;
    for (let j = 0; j <= n; j++) {
      if (j === low) continue;
      const v = values[j]!;
      if (v < vl) {
        low = j;
        vl = v;
      }
      if (v > vh) {
        high = j;
        vh = v;
      }
    }
    if (vh <= vl + convtol || vl <= abstol) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let temp = -p[high]![i]!;
      for (let j = 0; j <= n; j++) temp += p[j]![i]!;
      centroid[i] = temp / n;
    }
    const reflected = centroid.map((c, i) => 2 * c - p[high]![i]!);
    const vr = f(reflected);
    evaluations++;
    if (vr < vl) {
      const expanded = reflected.map((r, i) => 2 * r - centroid[i]!);
      const ve = f(expanded);
      evaluations++;
      if (ve < vr) {
        p[high] = expanded;
        values[high] = ve;
      } else {
        p[high] = reflected;
        values[high] = vr;
      }
    } else {
      if (vr < vh) {
        p[high] = reflected;
        values[high] = vr;
      }
      const contracted = p[high]!.map((v, i) => 0.5 * v + 0.5 * centroid[i]!);
      const vc = f(contracted);
      evaluations++;
      if (vc < values[high]!) {
        p[high] = contracted;
        values[high] = vc;
      } else if (vr >= vh) {
        // Shrink towards the best vertex; give up when the simplex stops getting smaller.
        calcvert = true;
        size = 0;
        for (let j = 0; j <= n; j++) {
          if (j === low) continue;
          p[j] = p[j]!.map((v, i) => 0.5 * (v - p[low]![i]!) + p[low]![i]!);
          for (let i = 0; i < n; i++) size += Math.abs(p[j]![i]! - p[low]![i]!);
        }
        if (size < oldsize) oldsize = size;
        else break;
      }
    }
    if (evaluations > maxit) break;
  }
  return { x: p[low]!.slice(), value: values[low]!, evaluations };
}
