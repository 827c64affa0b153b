import type { LoadResult } from '../load/load-run';
import { LOAD_ACKNOWLEDGEMENT } from '../load/load-run';
import { formatLoadProgress, formatLoadReport } from './load.command';

const result: LoadResult = {
  devices: 100,
  targetRatePerSecond: 1000,
  durationMs: 10_000,
  scheduled: 10_000,
  sent: 9_800,
  behindSchedule: 200,
  achievedRatePerSecond: 979.5,
  sendingMs: 10_005,
  scheduleLagMs: { count: 9_800, p50: 0.4, p95: 1.2, p99: 3.5, max: 210 },
  tickMs: 10,
  acknowledged: 9_797,
  acknowledgement: LOAD_ACKNOWLEDGEMENT,
  notAcknowledged: { total: 3, timedOut: 3, dropped: 0, refusedByBroker: 0 },
  refused: { total: 3, byCode: { UNKNOWN_DEVICE: 1, BAD_SIGNATURE: 2 } },
  latencyMs: { count: 9_797, p50: 0.85, p95: 2.4, p99: 12.25, max: 1234.5 },
  drainMs: 30_000,
  elapsedMs: 40_005,
  complete: false,
};

describe('load report', () => {
  it("adds the commits seen on the gateway's event stream when the run had them", () => {
    const text = formatLoadReport(
      {
        ...result,
        commit: {
          committed: 9_790,
          notCommitted: 4,
          latencyMs: { count: 9_790, p50: 61, p95: 120, p99: 180, max: 400 },
        },
      },
      0,
    );
    expect(text).toContain(
      'committed        9,790 seen on the ledger, 4 acknowledged but not seen committed; publish→commit p50 61.0 ms, p95 120 ms, p99 180 ms',
    );
    expect(text).toContain('INCOMPLETE: readings not acknowledged, not committed or refused');
  });

  it('gives every figure, says what acknowledged means and lists refusals by code', () => {
    const text = formatLoadReport(result, 1);
    expect(text).toContain('target           1,000/s for 10s from 100 devices: 10,000 readings');
    expect(text).toContain('sent             9,800: achieved 980/s over 10.0 s, behind schedule 200');
    expect(text).toContain('acknowledged     9,797: broker PUBACK (MQTT 5, QoS 1)');
    expect(text).toContain('not a ledger commit');
    expect(text).not.toContain('committed');
    expect(text).toContain('not acknowledged 3: timed out at drain 3, dropped from device buffers 0');
    expect(text).toContain(
      "refused          3 by notices on the devices' rejection topics: BAD_SIGNATURE 2, UNKNOWN_DEVICE 1",
    );
    expect(text).toContain(
      'latency          publish→PUBACK p50 0.85 ms, p95 2.40 ms, p99 12.3 ms, max 1235 ms (9,797 acknowledged readings)',
    );
    expect(text).toContain('connection losses 1');
    expect(text).toMatch(/INCOMPLETE/);
  });

  it('says plainly when nothing was acknowledged or refused', () => {
    const text = formatLoadReport(
      { ...result, acknowledged: 0, latencyMs: undefined, refused: { total: 0, byCode: {} } },
      0,
    );
    expect(text).toContain('publish→PUBACK no acknowledged readings');
    expect(text).toContain("refused          0 by notices on the devices' rejection topics\n");
  });

  it('shows progress in the publish command’s style, flagging a sender behind schedule', () => {
    const line = formatLoadProgress(
      {
        phase: 'sending',
        elapsedMs: 3000,
        sent: 2950,
        acknowledged: 2900,
        outstanding: 50,
        dropped: 0,
        refused: 0,
        behind: 51,
        sendRatePerSecond: 990.4,
        ackRatePerSecond: 985,
      },
      1000,
    );
    expect(line).toBe(
      '[    3s] sent 2,950 acked 2,900 outstanding 50 dropped 0 refused 0 | 990/s sent, 985/s acked ' +
        '(target 1,000/s) | behind schedule by 51',
    );
  });
});
