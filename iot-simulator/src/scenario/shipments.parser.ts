import { COMPLIANCE_LIMITS, CommercialTermsRules, MEASUREMENT_RANGES, type Bounds } from '@provena/wire';
import type { Fields, IssueCollector } from './json-checker';
import type { CommercialTermsSpec, ComplianceProfile, Handover, Shipment } from './scenario.types';

/** What the shipment parser needs to resolve references; ids that failed their own checks are simply absent. */
export interface ReferenceSets {
  organisations: ReadonlySet<string>;
  products: ReadonlySet<string>;
  routes: ReadonlySet<string>;
}

const SHIPMENT_FIELDS = [
  'id',
  'product',
  'quantity',
  'origin',
  'destination',
  'route',
  'departAt',
  'arriveAt',
  'compliance',
  'handovers',
  'commercialTerms',
];

function checkReference(
  issues: IssueCollector,
  path: string,
  id: string | undefined,
  known: ReadonlySet<string>,
  what: string,
): void {
  if (id !== undefined && !known.has(id)) {
    const list = [...known].slice(0, 10).join(', ');
    issues.add(
      path,
      `names ${what} "${id}", which the scenario does not define (defined: ${list || 'none'})`,
    );
  }
}

function parseCompliance(issues: IssueCollector, value: unknown, path: string): ComplianceProfile {
  const f = issues.fields(
    value,
    path,
    COMPLIANCE_LIMITS.map((c) => c.metric),
  );
  const profile: ComplianceProfile = {};
  if (!f) return profile;
  for (const { metric, limits } of COMPLIANCE_LIMITS) {
    if (!f.has(metric)) continue;
    const [low, high] = MEASUREMENT_RANGES[metric];
    const rule = f.object(metric, limits);
    if (!rule) continue;
    const bounds: Bounds = {};
    for (const limit of limits) {
      const limitValue = rule.number(limit, { min: low, max: high });
      if (limitValue !== undefined) bounds[limit] = limitValue;
    }
    // Shock and vibration state only a ceiling, which is then required, as the chaincode requires it.
    if (limits.length === 1 && bounds.max === undefined && !rule.has('max')) {
      issues.add(f.at(metric), 'needs a max');
      continue;
    }
    if (!rule.has('min') && !rule.has('max')) issues.add(f.at(metric), 'needs a min, a max or both');
    if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max)
      rule.report('min', `(${bounds.min}) is above max (${bounds.max})`);
    Object.assign(profile, { [metric]: bounds });
  }
  return profile;
}

function parseHandovers(
  issues: IssueCollector,
  list: unknown[],
  path: string,
  shipment: Pick<Shipment, 'originOrg' | 'departAtMs' | 'arriveAtMs'>,
  refs: ReferenceSets,
  startMs: number | undefined,
): Handover[] {
  const handovers: Handover[] = [];
  let custodian: string | undefined = shipment.originOrg;
  let previousAt = -Infinity;
  list.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const f = issues.fields(item, at, ['at', 'from', 'to', 'rejects']);
    if (!f) {
      custodian = undefined;
      return;
    }
    const atMs = f.instant('at', startMs, { required: true });
    const fromOrg = f.id('from');
    const toOrg = f.id('to');
    const rejects = f.boolean('rejects', false);
    checkReference(issues, f.at('from'), fromOrg, refs.organisations, 'an organisation');
    checkReference(issues, f.at('to'), toOrg, refs.organisations, 'an organisation');
    if (fromOrg !== undefined && fromOrg === toOrg) f.report('to', 'must differ from "from"');
    if (fromOrg !== undefined && custodian !== undefined && fromOrg !== custodian) {
      f.report('from', `is "${fromOrg}" but the shipment is in the custody of "${custodian}" at that point`);
    }
    if (atMs !== undefined) {
      if (atMs < previousAt)
        f.report('at', 'is before the previous hand-over; list hand-overs in time order');
      if (atMs < shipment.departAtMs || atMs > shipment.arriveAtMs) {
        f.report('at', "must fall between the shipment's departAt and arriveAt");
      }
      previousAt = atMs;
    }
    // After an unreadable hand-over we no longer know who holds the shipment; stop checking the chain.
    custodian = fromOrg === undefined || toOrg === undefined ? undefined : rejects ? custodian : toOrg;
    if (atMs !== undefined && fromOrg !== undefined && toOrg !== undefined) {
      handovers.push({ atMs, fromOrg, toOrg, rejects });
    }
  });
  return handovers;
}

/** Parses `shipments[]`, resolving product, organisation and route references and the custody chain. */
export function parseShipments(
  issues: IssueCollector,
  list: unknown[],
  path: string,
  refs: ReferenceSets,
  startMs: number | undefined,
): Shipment[] {
  const shipments: Shipment[] = [];
  list.forEach((item, i) => {
    const f = issues.fields(item, `${path}[${i}]`, SHIPMENT_FIELDS);
    if (!f) return;
    const id = f.id('id');
    const productId = f.id('product');
    const originOrg = f.id('origin');
    const destinationOrg = f.id('destination');
    const routeId = f.id('route');
    checkReference(issues, f.at('product'), productId, refs.products, 'a product');
    checkReference(issues, f.at('origin'), originOrg, refs.organisations, 'an organisation');
    checkReference(issues, f.at('destination'), destinationOrg, refs.organisations, 'an organisation');
    checkReference(issues, f.at('route'), routeId, refs.routes, 'a route');
    if (originOrg !== undefined && originOrg === destinationOrg)
      f.report('destination', 'must differ from origin');
    const quantity = f.number('quantity', { required: true, integer: true, min: 1 });
    const departAtMs = f.instant('departAt', startMs, { required: true });
    const arriveAtMs = f.instant('arriveAt', startMs, { required: true });
    if (departAtMs !== undefined && arriveAtMs !== undefined && arriveAtMs <= departAtMs) {
      f.report('arriveAt', 'must be after departAt');
    }
    const compliance = f.has('compliance')
      ? parseCompliance(issues, f.value.compliance, f.at('compliance'))
      : {};
    const shipment: Shipment = {
      id: id ?? '',
      productId: productId ?? '',
      quantity: quantity ?? 0,
      originOrg: originOrg ?? '',
      destinationOrg: destinationOrg ?? '',
      routeId: routeId ?? '',
      departAtMs: departAtMs ?? 0,
      arriveAtMs: arriveAtMs ?? 0,
      compliance,
      handovers: [],
    };
    const terms = f.object('commercialTerms', ['price', 'quantity', 'customer']);
    const commercialTerms = terms && parseCommercialTerms(terms);
    if (commercialTerms) shipment.commercialTerms = commercialTerms;
    const handovers = f.array('handovers');
    if (handovers && departAtMs !== undefined && arriveAtMs !== undefined) {
      shipment.handovers = parseHandovers(issues, handovers, f.at('handovers'), shipment, refs, startMs);
    }
    shipments.push(shipment);
  });
  return shipments;
}

/** What the trading organisations agreed: sent privately with the shipment (the gateway adds the salt). */
function parseCommercialTerms(f: Fields): CommercialTermsSpec | undefined {
  const patterned = (
    g: Fields | undefined,
    key: string,
    pattern: RegExp,
    rule: string,
  ): string | undefined => {
    const v = g?.string(key, { required: true });
    if (v === undefined || pattern.test(v)) return v;
    g?.report(key, `must be ${rule}`);
    return undefined;
  };
  const decimal = 'a decimal string such as "12.50"';
  const price = f.object('price', ['amount', 'currency'], { required: true });
  const quantity = f.object('quantity', ['amount', 'unit'], { required: true });
  const spec = {
    price: {
      amount: patterned(price, 'amount', CommercialTermsRules.decimal, decimal),
      currency: patterned(price, 'currency', CommercialTermsRules.currency, 'an ISO 4217 code such as EUR'),
    },
    quantity: {
      amount: patterned(quantity, 'amount', CommercialTermsRules.decimal, decimal),
      unit: patterned(quantity, 'unit', CommercialTermsRules.unit, 'a unit code or word'),
    },
    customer: f.string('customer', { required: true, maxLength: CommercialTermsRules.maxCustomerLength }),
  };
  const { price: p, quantity: q, customer } = spec;
  if (!p.amount || !p.currency || !q.amount || !q.unit || customer === undefined) return undefined;
  return {
    price: { amount: p.amount, currency: p.currency },
    quantity: { amount: q.amount, unit: q.unit },
    customer,
  };
}
