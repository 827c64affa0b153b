import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, forgetKey, signIn, storedKey, type Session } from './api';
import { followEvents, type FeedEvent, type FeedState } from './event-stream';
import { describeError } from './format';
import { DeviceList, ForecastDetail, ForecastList, MaintenanceList } from './registry';
import { ShipmentDetail, ShipmentList } from './shipments';

/** The view named by the URL's fragment: `#/shipments/SHP-1`, `#/forecasts`, ... */
function useRoute(): string[] {
  const parse = (): string[] =>
    location.hash
      .replace(/^#\/?/, '')
      .split('/')
      .filter((p) => p !== '')
      .map((p) => decodeURIComponent(p));
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const changed = (): void => setRoute(parse());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function Login(props: { onSession: (s: Session) => void; notice: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(props.notice);
  const [busy, setBusy] = useState(false);
  const submit = (e: Event): void => {
    e.preventDefault();
    setBusy(true);
    signIn(key.trim()).then(props.onSession, (err: unknown) => {
      setBusy(false);
      setError(
        err instanceof ApiError && err.status === 401 ? 'That API key is not valid.' : describeError(err),
      );
    });
  };
  return (
    <main class="login">
      <h1>Provena</h1>
      <p class="muted">Shipments, readings and forecasts as the ledger holds them.</p>
      <form onSubmit={submit} data-testid="login">
        <label>
          API key
          <input
            type="password"
            name="apiKey"
            autocomplete="off"
            spellcheck={false}
            placeholder="pvk_…"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && <p class="error">{error}</p>}
        <p class="muted small">
          The key stays in this tab (session storage) and is sent only to this gateway.
        </p>
      </form>
    </main>
  );
}

/** One connection to `/events` per page, fanned out to whichever views listen. */
function useFeed(session: Session | null): {
  state: FeedState;
  subscribe: (fn: (e: FeedEvent) => void) => () => void;
} {
  const listeners = useRef(new Set<(e: FeedEvent) => void>());
  const [state, setState] = useState<FeedState>('connecting');
  useEffect(() => {
    if (!session) return;
    let dropped = false;
    return followEvents(
      session.key,
      (event) => {
        for (const fn of listeners.current) fn(event);
      },
      (next) => {
        setState(next);
        if (next === 'retrying') dropped = true;
        // Events sent while the stream was down are not replayed: views reload what they show.
        if (next === 'live' && dropped) {
          dropped = false;
          for (const fn of listeners.current) fn({ type: 'reconnected', id: '', data: {} });
        }
      },
    );
  }, [session]);
  const subscribe = useCallback((fn: (e: FeedEvent) => void) => {
    listeners.current.add(fn);
    return () => {
      listeners.current.delete(fn);
    };
  }, []);
  return { state, subscribe };
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();
  const feed = useFeed(session);

  useEffect(() => {
    const key = storedKey();
    if (key === null) return;
    signIn(key).then(
      (s) => {
        setSession(s);
        setRestoring(false);
      },
      () => {
        forgetKey();
        setNotice('Your API key is no longer valid; sign in again.');
        setRestoring(false);
      },
    );
  }, []);
  useEffect(() => {
    if (feed.state === 'refused') {
      forgetKey();
      setSession(null);
      setNotice('The gateway refused this API key; sign in again.');
    }
  }, [feed.state]);

  if (restoring) return <p class="muted">Signing in…</p>;
  if (!session) return <Login onSession={setSession} notice={notice} />;

  const [section = 'shipments', id] = route;
  const logout = (): void => {
    forgetKey();
    setSession(null);
    setNotice(null);
  };
  const nav: [string, string][] = [
    ['shipments', 'Shipments'],
    ['devices', 'Devices'],
    ['forecasts', 'Forecasts'],
    ['maintenance', 'Maintenance'],
  ];
  let view;
  if (section === 'shipments' && id)
    view = <ShipmentDetail session={session} shipmentId={id} subscribe={feed.subscribe} />;
  else if (section === 'devices') view = <DeviceList session={session} />;
  else if (section === 'forecasts' && id) view = <ForecastDetail session={session} runId={id} />;
  else if (section === 'forecasts') view = <ForecastList session={session} />;
  else if (section === 'maintenance') view = <MaintenanceList session={session} />;
  else view = <ShipmentList session={session} subscribe={feed.subscribe} />;

  return (
    <>
      <header>
        <h1>Provena</h1>
        <nav>
          {nav.map(([path, label]) => (
            <a key={path} href={`#/${path}`} class={section === path ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span class={`live live-${feed.state}`} data-testid="feed-state" title="live event stream">
          {feed.state === 'live' ? '● live' : feed.state}
        </span>
        <span class="who" data-testid="who">
          {session.role} of {session.org}
        </span>
        <button onClick={logout} data-testid="logout">
          Sign out
        </button>
      </header>
      <main>{view}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
