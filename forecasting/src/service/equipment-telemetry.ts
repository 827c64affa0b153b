import type { EquipmentHour } from './equipment-runs';
import type { ForecastActor, ForecastLedgerPort } from './forecast-ledger.port';

const HOUR_MS = 3_600_000;

interface HourSum {
  vibration: number;
  temperature: number;
  n: number;
}

interface DeviceTelemetry {
  hours: Record<string, HourSum>;
  /** Readings after this measurement time are still to be fetched. */
  fetchedUpToMs: number;
  fromBlock: string;
  toBlock: string;
}

export interface EquipmentTelemetryJson {
  devices: Record<string, DeviceTelemetry>;
  /** Devices with readings noted but not fetched yet: kept, because the events that noted them are not replayed. */
  pending: string[];
}

interface ReadingPage {
  items: {
    reading: { measuredAt: number; measurements: { vibrationMmS?: number; temperatureC?: number } };
  }[];
  bookmark: string;
}

/**
 * Hourly vibration and temperature per machine, from the readings on the ledger. Chaincode events say which
 * devices got new readings (and in which blocks); the readings themselves are fetched per device by measurement
 * time, from where the last fetch ended, so each run reads only what is new. A reading measured before that point
 * but recorded later (a device's offline buffer flushed late) is not fetched: machine monitors publish in order.
 */
export class EquipmentTelemetry {
  private readonly devices: Record<string, DeviceTelemetry>;
  private readonly pending = new Set<string>();

  constructor(json: EquipmentTelemetryJson = { devices: {}, pending: [] }) {
    this.devices = json.devices;
    for (const id of json.pending) this.pending.add(id);
  }

  /** Notes that a committed transaction of `blockNumber` recorded readings of `deviceId`. */
  noteReadings(deviceId: string, blockNumber: bigint): void {
    const block = blockNumber.toString();
    const device = (this.devices[deviceId] ??= {
      hours: {},
      fetchedUpToMs: 0,
      fromBlock: block,
      toBlock: block,
    });
    if (BigInt(block) > BigInt(device.toBlock)) device.toBlock = block;
    this.pending.add(deviceId);
  }

  /**
   * Fetches the new readings of every device noted since the last call. Readings without vibration (a cold-chain
   * logger, not a machine) add nothing; such devices end up with no hours and are not assessed.
   */
  async fetchNew(ledger: ForecastLedgerPort, actor: ForecastActor, untilMs: number): Promise<void> {
    for (const deviceId of [...this.pending]) {
      const device = this.devices[deviceId]!;
      let bookmark = '';
      let latest = device.fetchedUpToMs;
      do {
        const page = await ledger.evaluate<ReadingPage>(actor, 'reading:GetReadingsByDevice', [
          deviceId,
          String(device.fetchedUpToMs),
          String(untilMs),
          '200',
          bookmark,
        ]);
        for (const { reading } of page.items) {
          const { vibrationMmS, temperatureC } = reading.measurements;
          latest = Math.max(latest, reading.measuredAt + 1);
          if (vibrationMmS === undefined || temperatureC === undefined) continue;
          const key = String(Math.floor(reading.measuredAt / HOUR_MS));
          const sum = (device.hours[key] ??= { vibration: 0, temperature: 0, n: 0 });
          sum.vibration += vibrationMmS;
          sum.temperature += temperatureC;
          sum.n += 1;
        }
        bookmark = page.items.length > 0 ? page.bookmark : '';
      } while (bookmark !== '');
      device.fetchedUpToMs = latest;
      this.pending.delete(deviceId);
    }
  }

  /** Machines with hourly telemetry, their hours in order (the current, unfinished hour left out). */
  machines(
    nowMs: number,
  ): { deviceId: string; hours: EquipmentHour[]; fromBlock: string; toBlock: string }[] {
    const currentHour = Math.floor(nowMs / HOUR_MS);
    return Object.entries(this.devices)
      .filter(([, d]) => Object.keys(d.hours).length > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([deviceId, d]) => ({
        deviceId,
        fromBlock: d.fromBlock,
        toBlock: d.toBlock,
        hours: Object.entries(d.hours)
          .map(([hour, s]) => ({
            hour: Number(hour),
            vibrationMmS: s.vibration / s.n,
            temperatureC: s.temperature / s.n,
          }))
          .filter((h) => h.hour < currentHour)
          .sort((a, b) => a.hour - b.hour),
      }));
  }

  toJSON(): EquipmentTelemetryJson {
    return { devices: this.devices, pending: [...this.pending].sort() };
  }
}
