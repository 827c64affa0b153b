import type { LedgerActor, LedgerPort } from '../src/ledger/ledger.port';

/** Whoever reads the ledger after a fault: an auditor sees every organisation's devices and changes nothing. */
const auditor: LedgerActor = { org: 'AuditorMSP', role: 'auditor' };
/** The chaincode serves at most 200 readings a page (`MAX_PAGE_SIZE`); asking for more changes nothing. */
const PAGE_SIZE = '200';
/** Bounds the paging, so a chaincode that kept returning a bookmark could not hang the checker. */
const MAX_PAGES = 10_000;

/** Per device, sequence numbers. */
export type ReadingsByDevice = ReadonlyMap<string, ReadonlySet<number>>;

export interface FaultCheckInput {
  readonly ledger: Pick<LedgerPort, 'evaluate'>;
  /** Every device whose readings the case sent; each is read from the ledger. */
  readonly devices: readonly string[];
  /** Readings the devices sent (signed and handed to their publishers), acknowledged or not. */
  readonly sent: ReadingsByDevice;
  /** Readings whose publish the devices saw acknowledged: each must be on the ledger, exactly once. */
  readonly acknowledged: ReadingsByDevice;
}

/** The ledger against what devices sent and had acknowledged, counted in (deviceId, seq) pairs. */
export interface FaultCheck {
  readonly sent: number;
  readonly acknowledged: number;
  /** Distinct pairs on the ledger. */
  readonly onLedger: number;
  /** Pairs that appear more than once in the pages (must be 0). */
  readonly duplicates: number;
  /** Acknowledged pairs absent from the ledger (must be 0). */
  readonly lost: number;
  /** Pairs on the ledger that no device sent (must be 0). */
  readonly unknown: number;
  /** The offending pairs as `deviceId#seq`, for a failure message. */
  readonly pairs: { readonly duplicates: string[]; readonly lost: string[]; readonly unknown: string[] };
}

interface ReadingsPage {
  items: { reading: { deviceId: string; seq: number } }[];
  bookmark: string;
}

const pair = (deviceId: string, seq: number): string => `${deviceId}#${seq}`;
const pairsOf = (readings: ReadingsByDevice): Set<string> =>
  new Set([...readings].flatMap(([deviceId, seqs]) => [...seqs].map((seq) => pair(deviceId, seq))));

/**
 * Reads each device's readings from the ledger once, page by page (`reading:GetReadingsByDevice` over all time, as
 * an auditor), and compares them with what the devices sent and had acknowledged. Readings sent but never
 * acknowledged (a publish cut off by the fault) may be present or absent, never twice.
 *
 * @example
 * const check = await checkLedgerAfterFault({ ledger, devices: ['d1'], sent, acknowledged });
 * expect(check.pairs).toEqual({ duplicates: [], lost: [], unknown: [] });
 * @throws whatever the ledger throws for a device it does not know (`NOT_FOUND`).
 */
export async function checkLedgerAfterFault(input: FaultCheckInput): Promise<FaultCheck> {
  const seen = new Map<string, number>();
  for (const deviceId of input.devices) {
    let bookmark = '';
    let pages = 0;
    do {
      if (++pages > MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages of readings for ${deviceId}`);
      const page = await input.ledger.evaluate<ReadingsPage>(auditor, 'reading:GetReadingsByDevice', [
        deviceId,
        '0',
        String(Number.MAX_SAFE_INTEGER),
        PAGE_SIZE,
        bookmark,
      ]);
      for (const { reading } of page.items) {
        const key = pair(reading.deviceId, reading.seq);
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      bookmark = page.items.length === 0 ? '' : page.bookmark;
    } while (bookmark !== '');
  }
  const sent = pairsOf(input.sent);
  const acknowledged = pairsOf(input.acknowledged);
  const duplicates = [...seen].filter(([, count]) => count > 1).map(([key]) => key);
  const lost = [...acknowledged].filter((key) => !seen.has(key));
  const unknown = [...seen.keys()].filter((key) => !sent.has(key));
  return {
    sent: sent.size,
    acknowledged: acknowledged.size,
    onLedger: seen.size,
    duplicates: duplicates.length,
    lost: lost.length,
    unknown: unknown.length,
    pairs: { duplicates, lost, unknown },
  };
}

/** One fault case's figures, as the suite reports them. */
export interface FaultCaseReport {
  /** e.g. `4 SIGKILL Mosquitto during ingest` */
  readonly name: string;
  readonly check: FaultCheck;
  /** From the end of the fault (the restart) to the last acknowledgement, ms. */
  readonly recoveryMs: number;
}

const COLUMNS = ['case', 'sent', 'acknowledged', 'on ledger', 'duplicates', 'lost', 'unknown', 'recovery'];

function cells({ name, check, recoveryMs }: FaultCaseReport): string[] {
  const { sent, acknowledged, onLedger, duplicates, lost, unknown } = check;
  return [name, ...[sent, acknowledged, onLedger, duplicates, lost, unknown].map(String), `${recoveryMs} ms`];
}

/**
 * The report line of one case.
 * @example
 * formatFaultReportLine({ name: '4 SIGKILL Mosquitto during ingest', check, recoveryMs: 812 });
 * // 'fault case 4 SIGKILL Mosquitto during ingest: sent 3000, acknowledged 3000, on ledger 3000, ...'
 */
export function formatFaultReportLine(report: FaultCaseReport): string {
  const [name, ...figures] = cells(report);
  return `fault case ${name}: ${figures.map((figure, i) => `${COLUMNS[i + 1]} ${figure}`).join(', ')}`;
}

/** Several cases as a Markdown table, one row each. */
export function formatFaultReportTable(reports: readonly FaultCaseReport[]): string {
  const rows = [COLUMNS, ...reports.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(COLUMNS), rule, ...reports.map((report) => line(cells(report)))].join('\n');
}

/**
 * The first offending pairs of each kind, for an assertion whose failure names them (all of them would bury the
 * figures). A clean run gives `{ duplicates: [], lost: [], unknown: [] }`.
 */
export function firstOffenders(check: FaultCheck, count = 10): FaultCheck['pairs'] {
  return {
    duplicates: check.pairs.duplicates.slice(0, count),
    lost: check.pairs.lost.slice(0, count),
    unknown: check.pairs.unknown.slice(0, count),
  };
}
