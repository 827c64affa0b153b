import type { IssueCollector } from './json-checker';
import type { ReferenceSets } from './shipments.parser';
import type { DemandNoise, DemandSpec, Promotion } from './scenario.types';

const DEMAND_FIELDS = [
  'product',
  'location',
  'origin',
  'destination',
  'baseOrdersPerDay',
  'trendPerYear',
  'weekly',
  'yearly',
  'promotions',
  'noise',
  'unitsPerOrder',
];

function parseNoise(issues: IssueCollector, value: unknown, path: string): DemandNoise {
  const f = issues.fields(value, path, ['type', 'dispersion']);
  const type = f?.oneOf('type', ['poisson', 'negative-binomial'] as const, { required: true });
  if (type === 'negative-binomial') {
    return { type, dispersion: f?.number('dispersion', { required: true, above: 0, max: 1e6 }) ?? 1 };
  }
  if (type === 'poisson' && f?.has('dispersion'))
    f.report('dispersion', 'applies only to "negative-binomial"');
  return { type: 'poisson' };
}

function parsePromotions(
  issues: IssueCollector,
  list: unknown[],
  path: string,
  startMs: number | undefined,
): Promotion[] {
  const promotions: Promotion[] = [];
  list.forEach((item, i) => {
    const f = issues.fields(item, `${path}[${i}]`, ['from', 'to', 'lift']);
    if (!f) return;
    const fromMs = f.instant('from', startMs, { required: true });
    const toMs = f.instant('to', startMs, { required: true });
    const lift = f.number('lift', { required: true, above: 0, max: 100 });
    if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) f.report('to', 'is before from');
    if (fromMs !== undefined && toMs !== undefined && lift !== undefined)
      promotions.push({ fromMs, toMs, lift });
  });
  return promotions;
}

/** Parses `demand[]`: one daily order series per product and location. */
export function parseDemand(
  issues: IssueCollector,
  list: unknown[],
  path: string,
  refs: ReferenceSets,
  startMs: number | undefined,
): DemandSpec[] {
  const specs: DemandSpec[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const f = issues.fields(item, `${path}[${i}]`, DEMAND_FIELDS);
    if (!f) return;
    const productId = f.id('product');
    const location = f.id('location');
    const originOrg = f.id('origin');
    const destinationOrg = f.id('destination');
    if (productId !== undefined && !refs.products.has(productId)) {
      f.report('product', `names a product "${productId}", which the scenario does not define`);
    }
    for (const [key, org] of [
      ['origin', originOrg],
      ['destination', destinationOrg],
    ] as const) {
      if (org !== undefined && !refs.organisations.has(org)) {
        f.report(key, `names an organisation "${org}", which the scenario does not define`);
      }
    }
    const series = `${productId}@${location}`;
    if (productId !== undefined && location !== undefined) {
      if (seen.has(series)) f.report('location', `repeats the series for product "${productId}" here`);
      seen.add(series);
    }
    const weeklyList = f.array('weekly', { minItems: 7, maxItems: 7 });
    const weekly = weeklyList?.map((w, d) => {
      if (typeof w === 'number' && Number.isFinite(w) && w >= 0) return w;
      issues.add(`${f.at('weekly')}[${d}]`, 'must be a number ≥ 0 (a multiplier; Monday first)');
      return 1;
    });
    const yearly = f.object('yearly', ['amplitude', 'peakDayOfYear']);
    const promotions = f.array('promotions');
    specs.push({
      productId: productId ?? '',
      location: location ?? '',
      originOrg: originOrg ?? '',
      destinationOrg: destinationOrg ?? '',
      baseOrdersPerDay: f.number('baseOrdersPerDay', { required: true, min: 0, max: 1e6 }) ?? 0,
      trendPerYear: f.numberOr('trendPerYear', 0, { above: -1, max: 10 }),
      weekly: weekly ?? [1, 1, 1, 1, 1, 1, 1],
      yearly: {
        amplitude: yearly?.numberOr('amplitude', 0, { min: 0, max: 0.99 }) ?? 0,
        peakDayOfYear: yearly?.numberOr('peakDayOfYear', 182, { min: 1, max: 366 }) ?? 182,
      },
      promotions: promotions ? parsePromotions(issues, promotions, f.at('promotions'), startMs) : [],
      noise: f.has('noise') ? parseNoise(issues, f.value.noise, f.at('noise')) : { type: 'poisson' },
      unitsPerOrder: f.numberOr('unitsPerOrder', 1, { integer: true, min: 1, max: 1e6 }),
    });
  });
  return specs;
}
