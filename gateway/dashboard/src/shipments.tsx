import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { allPages, api, type Session } from './api';
import { ReadingsChart, type ChartLimit, type ChartMark, type ChartSeries } from './chart';
import type { FeedEvent } from './event-stream';
import { describeError, formatTime, shortTx } from './format';

/** `GET /dashboard/shipments` */
interface ShipmentOverview {
  shipmentId: string;
  productCode: string;
  quantity: number;
  origin: string;
  destination: string;
  ownerOrg: string;
  custodianOrg: string;
  status: string;
  breaches: number;
  openBreaches: number;
}

type Bounds = { min?: number; max?: number };
type Profile = Partial<Record<string, Bounds>>;

interface CustodyStep {
  action: string;
  byOrg: string;
  custodianOrg: string;
  fromOrg: string | null;
  toOrg: string | null;
  reason: string | null;
  txId: string;
  at: number;
}

interface Breach {
  breachId: string;
  deviceId: string;
  seq: number;
  rule: string;
  limit: number;
  observed: number;
  measuredAt: number;
  txId: string;
  disposition: { decision: string; byOrg: string; at: number } | null;
}

/** `GET /shipments/{id}/provenance` */
interface Provenance {
  shipment: {
    shipmentId: string;
    productCode: string;
    quantity: number;
    origin: string;
    destination: string;
    ownerOrg: string;
    custodianOrg: string;
    status: string;
    complianceProfile: Profile;
    custody: CustodyStep[];
  };
  attachments: { deviceId: string; status: string }[];
  breaches: Breach[];
  openBreaches: number;
  transactions: Record<string, { blockNumber: string | null; validationCode: string | null }>;
}

interface ReadingRecord {
  reading: { deviceId: string; seq: number; measuredAt: number; measurements: Record<string, unknown> };
  txId: string;
}

/** The verifier's report (`POST /verify/shipments/{id}`), the fields shown. */
interface VerifyReport {
  verified: boolean;
  peer: string;
  chain: { height: string; lastBlock: string; blocks: number };
  endorsementPolicies: string[];
  checks: Record<string, { ran: number; failed: number }>;
  transactions: unknown[];
  readings: { verified: number; devices: string[] };
  failures: { code: string; message: string }[];
  durationMs: number;
}

/** Calls `fn` at most once per `ms`, after the last of a burst: ingest sends one event per transaction. */
function useDebounced(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => latest.current(), ms);
  }, [ms]);
}

export function ShipmentList(props: {
  session: Session;
  subscribe: (fn: (e: FeedEvent) => void) => () => void;
}) {
  const { session, subscribe } = props;
  const [pages, setPages] = useState<string[]>(['']);
  const [page, setPage] = useState<{ items: ShipmentOverview[]; bookmark: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [find, setFind] = useState('');
  const bookmark = pages[pages.length - 1]!;

  const load = useCallback(() => {
    api<{ items: ShipmentOverview[]; bookmark: string }>(
      session.key,
      `/dashboard/shipments?pageSize=50&bookmark=${encodeURIComponent(bookmark)}`,
    ).then(
      (p) => {
        setPage(p);
        setError(null);
      },
      (err: unknown) => setError(describeError(err)),
    );
  }, [session.key, bookmark]);
  const reload = useDebounced(load, 400);
  useEffect(load, [load]);
  useEffect(
    () => subscribe((e) => (e.type === 'breach' || e.type === 'custody' ? reload() : undefined)),
    [subscribe, reload],
  );

  return (
    <section>
      <h2>Shipments</h2>
      <form
        class="find"
        onSubmit={(e) => {
          e.preventDefault();
          if (find.trim() !== '') location.hash = `#/shipments/${encodeURIComponent(find.trim())}`;
        }}
      >
        <input
          placeholder="Open a shipment by id"
          value={find}
          onInput={(e) => setFind(e.currentTarget.value)}
          aria-label="shipment id"
        />
        <button type="submit">Open</button>
      </form>
      {error && <p class="error">{error}</p>}
      {!page && !error && <p class="muted">Loading…</p>}
      {page && (
        <table data-testid="shipments">
          <thead>
            <tr>
              <th>Shipment</th>
              <th>Product</th>
              <th>Route</th>
              <th>Owner</th>
              <th>Custodian</th>
              <th>Status</th>
              <th>Open breaches</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((s) => (
              <tr key={s.shipmentId} data-shipment={s.shipmentId}>
                <td>
                  <a href={`#/shipments/${encodeURIComponent(s.shipmentId)}`}>{s.shipmentId}</a>
                </td>
                <td>
                  {s.quantity} × {s.productCode}
                </td>
                <td>
                  {s.origin} → {s.destination}
                </td>
                <td>{s.ownerOrg}</td>
                <td>{s.custodianOrg}</td>
                <td>
                  <span class={`status status-${s.status}`}>{s.status}</span>
                </td>
                <td>
                  <span class={s.openBreaches > 0 ? 'badge bad' : 'badge ok'} data-testid="open-breaches">
                    {s.openBreaches}
                  </span>
                  <span class="muted"> of {s.breaches}</span>
                </td>
              </tr>
            ))}
            {page.items.length === 0 && (
              <tr>
                <td colSpan={7} class="muted">
                  No shipments on the ledger yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <div class="pager">
        {pages.length > 1 && <button onClick={() => setPages(pages.slice(0, -1))}>← Previous</button>}
        {page && page.bookmark !== '' && (
          <button onClick={() => setPages([...pages, page.bookmark])}>Next page →</button>
        )}
      </div>
    </section>
  );
}

const UNITS: Readonly<Record<string, string>> = {
  temperatureC: 'temperature °C',
  humidityPct: 'humidity %',
  shockG: 'shock g',
  vibrationMmS: 'vibration mm/s',
};

export function ShipmentDetail(props: {
  session: Session;
  shipmentId: string;
  subscribe: (fn: (e: FeedEvent) => void) => () => void;
}) {
  const { session, shipmentId, subscribe } = props;
  const [provenance, setProvenance] = useState<Provenance | null>(null);
  const [readings, setReadings] = useState<ReadingRecord[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [metric, setMetric] = useState<string | null>(null);
  const path = `/shipments/${encodeURIComponent(shipmentId)}`;

  const loadProvenance = useCallback(() => {
    api<Provenance>(session.key, `${path}/provenance`).then(
      (p) => {
        setProvenance(p);
        setError(null);
      },
      (err: unknown) => setError(describeError(err)),
    );
  }, [session.key, path]);
  const loadReadings = useCallback(() => {
    allPages<ReadingRecord>(session.key, `${path}/readings`, 20_000).then(setReadings, (err: unknown) =>
      setError(describeError(err)),
    );
  }, [session.key, path]);
  const reloadProvenance = useDebounced(loadProvenance, 300);
  const reloadReadings = useDebounced(loadReadings, 300);
  useEffect(() => {
    loadProvenance();
    loadReadings();
  }, [loadProvenance, loadReadings]);

  const devices = useMemo(
    () =>
      new Set([
        ...(provenance?.attachments ?? []).map((a) => a.deviceId),
        ...readings.map((r) => r.reading.deviceId),
      ]),
    [provenance, readings],
  );
  useEffect(
    () =>
      subscribe((e) => {
        if (e.type === 'ingest') {
          const recorded = (e.data.readings ?? []) as { deviceId?: unknown }[];
          if (recorded.some((r) => typeof r.deviceId === 'string' && devices.has(r.deviceId)))
            reloadReadings();
        } else if ((e.type === 'breach' || e.type === 'custody') && e.data.shipmentId === shipmentId) {
          reloadProvenance();
        } else if (e.type === 'reconnected') {
          reloadProvenance();
          reloadReadings();
        }
      }),
    [subscribe, devices, shipmentId, reloadProvenance, reloadReadings],
  );

  const profile = provenance?.shipment.complianceProfile ?? {};
  const metrics = useMemo(() => {
    const measured = new Set(readings.flatMap((r) => Object.keys(r.reading.measurements)));
    return Object.keys(UNITS).filter((m) => measured.has(m) || profile[m] !== undefined);
  }, [readings, profile]);
  const shown = metric ?? metrics[0] ?? 'temperatureC';

  const chart = useMemo(() => {
    const byDevice = new Map<string, { x: number[]; y: number[] }>();
    const sorted = [...readings].sort((a, b) => a.reading.measuredAt - b.reading.measuredAt);
    for (const { reading } of sorted) {
      const value = reading.measurements[shown];
      if (typeof value !== 'number') continue;
      const line = byDevice.get(reading.deviceId) ?? { x: [], y: [] };
      line.x.push(reading.measuredAt / 1000);
      line.y.push(value);
      byDevice.set(reading.deviceId, line);
    }
    const series: ChartSeries[] = [...byDevice].map(([label, line]) => ({ label, ...line }));
    const bounds = profile[shown] ?? {};
    const limits: ChartLimit[] = [
      ...(bounds.min !== undefined ? [{ label: `min ${bounds.min}`, value: bounds.min }] : []),
      ...(bounds.max !== undefined ? [{ label: `max ${bounds.max}`, value: bounds.max }] : []),
    ];
    const marks: ChartMark[] = (provenance?.breaches ?? [])
      .filter((b) => b.rule.startsWith(`${shown}.`))
      .map((b) => ({ x: b.measuredAt / 1000, y: b.observed }));
    return { series, limits, marks };
  }, [readings, provenance, shown, profile]);

  const latest = useMemo(
    () =>
      [...readings]
        .sort((a, b) => b.reading.measuredAt - a.reading.measuredAt || b.reading.seq - a.reading.seq)
        .slice(0, 8),
    [readings],
  );

  if (error && !provenance) return <p class="error">{error}</p>;
  if (!provenance) return <p class="muted">Loading {shipmentId}…</p>;
  const s = provenance.shipment;
  const block = (txId: string): string => provenance.transactions[txId]?.blockNumber ?? '?';

  return (
    <section>
      <p>
        <a href="#/shipments">← Shipments</a>
      </p>
      <h2>
        Shipment {s.shipmentId} <span class={`status status-${s.status}`}>{s.status}</span>
      </h2>
      <p>
        {s.quantity} × {s.productCode}, {s.origin} → {s.destination}; owner {s.ownerOrg}, custodian{' '}
        {s.custodianOrg}.{' '}
        <span
          class={provenance.openBreaches > 0 ? 'badge bad' : 'badge ok'}
          data-testid="shipment-open-breaches"
        >
          {provenance.openBreaches} open breach{provenance.openBreaches === 1 ? '' : 'es'}
        </span>{' '}
        <span class="muted">of {provenance.breaches.length}</span>
      </p>
      {error && <p class="error">{error}</p>}

      <h3>Readings</h3>
      <div class="tabs" role="tablist">
        {metrics.map((m) => (
          <button
            key={m}
            role="tab"
            aria-selected={m === shown}
            class={m === shown ? 'active' : ''}
            onClick={() => setMetric(m)}
          >
            {UNITS[m]}
          </button>
        ))}
      </div>
      <ReadingsChart
        unit={UNITS[shown] ?? shown}
        series={chart.series}
        limits={chart.limits}
        marks={chart.marks}
      />
      <p class="muted">
        {readings.length} readings of {devices.size} device(s); red points breach a limit (
        {chart.marks.length} shown); dashed lines are the compliance limits.
      </p>
      <table data-testid="latest-readings">
        <caption>Latest readings</caption>
        <thead>
          <tr>
            <th>Device</th>
            <th>Seq</th>
            <th>Measured</th>
            <th>Values</th>
            <th>Transaction</th>
          </tr>
        </thead>
        <tbody>
          {latest.map(({ reading, txId }) => (
            <tr
              key={`${reading.deviceId}/${reading.seq}`}
              data-reading={`${reading.deviceId}/${reading.seq}`}
            >
              <td>{reading.deviceId}</td>
              <td>{reading.seq}</td>
              <td>{formatTime(reading.measuredAt)}</td>
              <td>
                {Object.entries(reading.measurements)
                  .filter(([, v]) => typeof v === 'number')
                  .map(([k, v]) => `${k} ${String(v)}`)
                  .join(', ')}
              </td>
              <td class="mono">{shortTx(txId)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Custody</h3>
      <ol class="timeline" data-testid="custody">
        {s.custody.map((step) => (
          <li key={step.txId}>
            <strong>{step.action}</strong>{' '}
            {step.fromOrg && step.toOrg ? `${step.fromOrg} → ${step.toOrg}` : `→ ${step.custodianOrg}`}, by{' '}
            {step.byOrg} at {formatTime(step.at)}
            {step.reason ? ` (${step.reason})` : ''}
            <div class="muted mono">
              block {block(step.txId)}, transaction {shortTx(step.txId)}
            </div>
          </li>
        ))}
      </ol>

      <h3>Compliance breaches</h3>
      {provenance.breaches.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Rule</th>
              <th>Device / seq</th>
              <th>Observed (limit)</th>
              <th>Measured</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {provenance.breaches.slice(0, 12).map((b) => (
              <tr key={b.breachId}>
                <td>{b.rule}</td>
                <td>
                  {b.deviceId} / {b.seq}
                </td>
                <td>
                  {b.observed} ({b.limit})
                </td>
                <td>{formatTime(b.measuredAt)}</td>
                <td>
                  {b.disposition ? (
                    `${b.disposition.decision} by ${b.disposition.byOrg}`
                  ) : (
                    <span class="badge bad">open</span>
                  )}
                </td>
              </tr>
            ))}
            {provenance.breaches.length > 12 && (
              <tr>
                <td colSpan={5} class="muted">
                  and {provenance.breaches.length - 12} more
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      {session.role === 'auditor' && <VerifyPanel session={session} shipmentId={shipmentId} />}
    </section>
  );
}

/** Auditors only: the CLI's checks, run by the gateway against the auditor's peer. */
function VerifyPanel(props: { session: Session; shipmentId: string }) {
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'running' }
    | { kind: 'done'; report: VerifyReport }
    | { kind: 'error'; message: string }
  >({ kind: 'idle' });
  const run = (): void => {
    setState({ kind: 'running' });
    api<VerifyReport>(props.session.key, `/verify/shipments/${encodeURIComponent(props.shipmentId)}`, {
      method: 'POST',
    }).then(
      (report) => setState({ kind: 'done', report }),
      (err: unknown) => setState({ kind: 'error', message: describeError(err) }),
    );
  };
  return (
    <div class="verify" data-testid="verify">
      <h3>Independent verification</h3>
      <p class="muted">
        Walks the auditor peer's blocks from the trusted genesis block: hash chain, orderer signatures,
        endorsements against the policy, every device signature (as{' '}
        <code>npm run verify -- shipment {props.shipmentId}</code>).
      </p>
      <button onClick={run} disabled={state.kind === 'running'} data-testid="verify-button">
        {state.kind === 'running' ? 'Verifying…' : 'Verify on the ledger'}
      </button>
      {state.kind === 'error' && <p class="error">{state.message}</p>}
      {state.kind === 'done' && (
        <div data-testid="verify-result" data-verified={String(state.report.verified)}>
          <p class={state.report.verified ? 'verdict ok' : 'verdict bad'}>
            {state.report.verified
              ? '✓ VERIFIED'
              : `✗ FAILED: ${state.report.failures.length} check(s) did not hold`}{' '}
            <span class="muted">
              in {(state.report.durationMs / 1000).toFixed(2)} s; blocks 0..{state.report.chain.lastBlock}{' '}
              from {state.report.peer}'s peer; {state.report.transactions.length} transactions,{' '}
              {state.report.readings.verified} readings
            </span>
          </p>
          <p class="muted">Endorsement policy: {state.report.endorsementPolicies.join('; ')}</p>
          <ul class="checks">
            {Object.entries(state.report.checks)
              .filter(([, c]) => c.ran > 0)
              .map(([code, c]) => (
                <li key={code} class={c.failed === 0 ? 'ok' : 'bad'}>
                  {c.failed === 0 ? '✓' : '✗'} {code}: {c.ran - c.failed} of {c.ran}
                </li>
              ))}
          </ul>
          {state.report.failures.map((f, i) => (
            <p key={i} class="error">
              {f.code}: {f.message}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}
