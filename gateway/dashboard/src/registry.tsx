import { useCallback, useEffect, useState } from 'preact/hooks';
import { allPages, api, ApiError, type Session } from './api';
import { ForecastChart } from './chart';
import { describeError, formatTime, shortTx } from './format';

interface Device {
  deviceId: string;
  ownerOrg: string;
  kind: string;
  keys: { fromSeq: number }[];
  status: 'active' | 'revoked';
  revocation: { reason: string; at?: number } | null;
  registeredAt: number;
}

/** The device registry with each device's key status. Admins of the owning organisation may revoke. */
export function DeviceList(props: { session: Session }) {
  const { session } = props;
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    allPages<Device>(session.key, '/devices', 2000).then(setDevices, (err: unknown) =>
      setError(describeError(err)),
    );
  }, [session.key]);
  useEffect(load, [load]);

  const revoke = (device: Device): void => {
    const reason = prompt(`Revoke ${device.deviceId}? Its later readings will be refused. Reason:`);
    if (!reason) return;
    api(session.key, `/devices/${encodeURIComponent(device.deviceId)}/revoke`, {
      method: 'POST',
      body: { reason },
    }).then(load, (err: unknown) => setError(describeError(err)));
  };
  // Only an admin of the device's own organisation may revoke it (the chaincode says so too).
  const mayRevoke = (d: Device): boolean =>
    session.role === 'admin' && session.org === d.ownerOrg && d.status === 'active';

  return (
    <section>
      <h2>Devices</h2>
      {error && <p class="error">{error}</p>}
      {!devices && !error && <p class="muted">Loading…</p>}
      {devices && (
        <table data-testid="devices">
          <thead>
            <tr>
              <th>Device</th>
              <th>Kind</th>
              <th>Owner</th>
              <th>Key status</th>
              <th>Keys</th>
              <th>Registered</th>
              {session.role === 'admin' && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.deviceId} data-device={d.deviceId}>
                <td>{d.deviceId}</td>
                <td>{d.kind}</td>
                <td>{d.ownerOrg}</td>
                <td>
                  <span class={d.status === 'active' ? 'badge ok' : 'badge bad'}>{d.status}</span>
                  {d.revocation && <span class="muted"> {d.revocation.reason}</span>}
                </td>
                <td>
                  {d.keys.length} (current from seq {d.keys[d.keys.length - 1]?.fromSeq ?? '?'})
                </td>
                <td>{formatTime(d.registeredAt)}</td>
                {session.role === 'admin' && (
                  <td>
                    {mayRevoke(d) && (
                      <button class="danger" data-testid="revoke" onClick={() => revoke(d)}>
                        Revoke
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface ForecastSummary {
  runId: string;
  seriesId: string;
  purpose: string;
  modelKind: string;
  origin: string;
  horizon: number;
  publishedAt: string;
  anchorTxId: string;
}

interface Forecast {
  runId: string;
  values: {
    seriesId: string;
    step: string;
    origin: string;
    point: number[];
    lower: number[];
    upper: number[];
    level: number;
  };
  modelCard: {
    kind: string;
    validation: { metric: string; scores: Record<string, number | null> };
    training: { from: string; to: string; points: number };
  };
  ledger: { txId: string; blockNumber: string };
  verification: {
    matchesLedger: boolean;
    recomputedValuesHash: string;
    ledgerValuesHash: string;
    anchoredByOrg: string;
  };
}

/** The ✓ / ✗ of the gateway's hash check: the values served hash to what the ledger anchored. */
function AnchorBadge(props: { matches: boolean | undefined }) {
  if (props.matches === undefined) return <span class="badge muted">checking…</span>;
  return props.matches ? (
    <span class="badge ok" data-testid="anchor-badge" data-matches="true">
      anchored on the ledger ✓
    </span>
  ) : (
    <span class="badge bad" data-testid="anchor-badge" data-matches="false">
      anchored on the ledger ✗
    </span>
  );
}

/** Pooled figures of `GET /forecasts/scorecard`, per series or overall. */
interface ScoreTotals {
  runs: number;
  observed: number;
  inside: number;
  coverage: number | null;
  coverage95: { low: number; high: number } | null;
  mase: number | null;
}

interface Scorecard {
  computedAt: string;
  level: number | null;
  overall: ScoreTotals;
  series: (ScoreTotals & { seriesId: string; actualsThrough: string })[];
  byDaysAhead: { daysAhead: number; observed: number; coverage: number }[];
}

const percent = (x: number | null | undefined): string => (x == null ? '–' : `${(100 * x).toFixed(1)} %`);

/**
 * How the published demand forecasts did on the days whose orders are now known: planners see whether to trust
 * the intervals, auditors whether the nominal level holds up. Each run behind it is in the list below.
 */
function ScorecardPanel(props: { session: Session }) {
  const { session } = props;
  // undefined: loading; null: the service has not written one yet.
  const [card, setCard] = useState<Scorecard | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    api<Scorecard>(session.key, '/forecasts/scorecard').then(
      (c) => !cancelled && setCard(c),
      (err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && err.status === 404) setCard(null);
        else setError(describeError(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [session.key]);
  if (error) return <p class="error">{error}</p>;
  if (card === undefined) return null;
  if (card === null || card.overall.observed === 0) {
    return (
      <p class="muted" data-testid="scorecard-empty">
        No forecast day has its orders yet: the scorecard fills as orders for forecast days reach the ledger.
      </p>
    );
  }
  const level = card.level === null ? '' : `${Math.round(card.level * 100)} % `;
  const row = (label: string, t: ScoreTotals, through?: string) => (
    <tr key={label} data-series={label}>
      <td>{label}</td>
      <td>{t.runs}</td>
      <td>{t.observed}</td>
      <td data-testid="coverage">{percent(t.coverage)}</td>
      <td>{t.coverage95 ? `${percent(t.coverage95.low)} – ${percent(t.coverage95.high)}` : '–'}</td>
      <td>{t.mase == null ? '–' : t.mase.toFixed(2)}</td>
      <td>{through ?? ''}</td>
    </tr>
  );
  return (
    <div data-testid="scorecard">
      <h3>How published forecasts did</h3>
      <p class="muted">
        Days whose orders are on the ledger, against the {level}interval published for them; MASE below 1
        beats “same day last week”. Scored {formatTime(Date.parse(card.computedAt))}.
      </p>
      <table>
        <thead>
          <tr>
            <th>Series</th>
            <th>Runs</th>
            <th>Days known</th>
            <th>Inside interval</th>
            <th>95 % range</th>
            <th>MASE</th>
            <th>Orders known to</th>
          </tr>
        </thead>
        <tbody>
          {row('all series', card.overall)}
          {card.series.map((s) => row(s.seriesId, s, s.actualsThrough))}
        </tbody>
      </table>
      <p class="muted" data-testid="scorecard-ahead">
        Inside the interval by days ahead:{' '}
        {card.byDaysAhead.map((d) => `${d.daysAhead}: ${percent(d.coverage)} of ${d.observed}`).join(' · ')}
      </p>
    </div>
  );
}

export function ForecastList(props: { session: Session }) {
  const { session } = props;
  const [forecasts, setForecasts] = useState<ForecastSummary[] | null>(null);
  const [matches, setMatches] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const run = async (): Promise<void> => {
      const list = await api<ForecastSummary[]>(session.key, '/forecasts');
      if (cancelled) return;
      setForecasts(list);
      // Each badge is a ledger query: the first 50 rows only, one at a time.
      for (const f of list.slice(0, 50)) {
        const detail = await api<Forecast>(session.key, `/forecasts/${encodeURIComponent(f.runId)}`);
        if (cancelled) return;
        setMatches((m) => ({ ...m, [f.runId]: detail.verification.matchesLedger }));
      }
    };
    run().catch((err: unknown) => setError(describeError(err)));
    return () => {
      cancelled = true;
    };
  }, [session.key]);
  return (
    <section>
      <h2>Forecasts</h2>
      <ScorecardPanel session={session} />
      {error && <p class="error">{error}</p>}
      {!forecasts && !error && <p class="muted">Loading…</p>}
      {forecasts && <h3>Published forecasts</h3>}
      {forecasts && (
        <table data-testid="forecasts">
          <thead>
            <tr>
              <th>Series</th>
              <th>Purpose</th>
              <th>Model</th>
              <th>From</th>
              <th>Horizon</th>
              <th>Published</th>
              <th>Ledger</th>
            </tr>
          </thead>
          <tbody>
            {forecasts.map((f) => (
              <tr key={f.runId} data-run={f.runId}>
                <td>
                  <a href={`#/forecasts/${encodeURIComponent(f.runId)}`}>{f.seriesId}</a>
                </td>
                <td>{f.purpose}</td>
                <td>{f.modelKind}</td>
                <td>{f.origin}</td>
                <td>{f.horizon}</td>
                <td>{formatTime(Date.parse(f.publishedAt))}</td>
                <td>
                  <AnchorBadge matches={matches[f.runId]} />
                </td>
              </tr>
            ))}
            {forecasts.length === 0 && (
              <tr>
                <td colSpan={7} class="muted">
                  No forecast published yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** x positions of a forecast's steps: dates (seconds) for day and month steps, cycle numbers otherwise. */
function stepsOf(values: Forecast['values']): { x: number[]; time: boolean } {
  const n = values.point.length;
  if (values.step === 'day' || values.step === 'month') {
    const origin = new Date(`${values.origin}T00:00:00Z`);
    return {
      time: true,
      x: Array.from({ length: n }, (_, h) => {
        const d = new Date(origin);
        if (values.step === 'day') d.setUTCDate(d.getUTCDate() + h);
        else d.setUTCMonth(d.getUTCMonth() + h);
        return d.getTime() / 1000;
      }),
    };
  }
  const first = Number(values.origin);
  return { time: false, x: Array.from({ length: n }, (_, h) => first + h) };
}

export function ForecastDetail(props: { session: Session; runId: string }) {
  const [forecast, setForecast] = useState<Forecast | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Forecast>(props.session.key, `/forecasts/${encodeURIComponent(props.runId)}`).then(
      setForecast,
      (err: unknown) => setError(describeError(err)),
    );
  }, [props.session.key, props.runId]);
  if (error) return <p class="error">{error}</p>;
  if (!forecast) return <p class="muted">Loading…</p>;
  const { values, modelCard, verification } = forecast;
  const steps = stepsOf(values);
  return (
    <section>
      <p>
        <a href="#/forecasts">← Forecasts</a>
      </p>
      <h2>
        {values.seriesId} <AnchorBadge matches={verification.matchesLedger} />
      </h2>
      <p>
        {modelCard.kind}, {values.point.length} {values.step}s from {values.origin},{' '}
        {Math.round(values.level * 100)}% prediction interval; trained on {modelCard.training.points} points (
        {modelCard.training.from} to {modelCard.training.to}).
      </p>
      <ForecastChart
        x={steps.x}
        time={steps.time}
        point={values.point}
        lower={values.lower}
        upper={values.upper}
        level={values.level}
      />
      <p class="muted mono">
        values hash {verification.recomputedValuesHash.slice(0, 16)}… served,{' '}
        {verification.ledgerValuesHash.slice(0, 16)}… on the ledger (anchored by {verification.anchoredByOrg},
        transaction {shortTx(forecast.ledger.txId)})
      </p>
      <table>
        <caption>Validation ({modelCard.validation.metric}, lower is better)</caption>
        <tbody>
          {Object.entries(modelCard.validation.scores).map(([model, score]) => (
            <tr key={model}>
              <td>{model}</td>
              <td>{score === null ? 'failed' : score.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface MaintenanceFlag {
  deviceId: string;
  flag: boolean;
  predictedHoursLeft: number;
  interval: [number, number];
  thresholdHours: number;
  confidence: number;
  modelKind: string;
  runId: string;
  publishedAt: string;
}

export function MaintenanceList(props: { session: Session }) {
  const [flags, setFlags] = useState<MaintenanceFlag[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<MaintenanceFlag[]>(props.session.key, '/maintenance-flags').then(setFlags, (err: unknown) =>
      setError(describeError(err)),
    );
  }, [props.session.key]);
  return (
    <section>
      <h2>Maintenance flags</h2>
      {error && <p class="error">{error}</p>}
      {!flags && !error && <p class="muted">Loading…</p>}
      {flags && (
        <table data-testid="maintenance">
          <thead>
            <tr>
              <th>Machine</th>
              <th>Needs service</th>
              <th>Predicted hours left</th>
              <th>Interval</th>
              <th>Threshold</th>
              <th>Confidence</th>
              <th>Model</th>
            </tr>
          </thead>
          <tbody>
            {flags.map((f) => (
              <tr key={f.runId} data-machine={f.deviceId}>
                <td>
                  <a href={`#/forecasts/${encodeURIComponent(f.runId)}`}>{f.deviceId}</a>
                </td>
                <td>
                  {f.flag ? <span class="badge bad">service now</span> : <span class="badge ok">no</span>}
                </td>
                <td>{f.predictedHoursLeft.toFixed(0)}</td>
                <td>
                  {f.interval[0].toFixed(0)}–{f.interval[1].toFixed(0)}
                </td>
                <td>{f.thresholdHours}</td>
                <td>{Math.round(f.confidence * 100)}%</td>
                <td>{f.modelKind}</td>
              </tr>
            ))}
            {flags.length === 0 && (
              <tr>
                <td colSpan={7} class="muted">
                  No maintenance assessment published yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}
