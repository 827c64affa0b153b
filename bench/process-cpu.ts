import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (getconf CLK_TCK; 100 on Linux almost everywhere). */
export const TICKS_PER_SECOND = ((): number => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/** The fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold spaces). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * utime + stime of a process in seconds, from the text of its /proc/<pid>/stat; with `children`, cutime + cstime
 * instead: the CPU of the children it has waited for (how the simulator's CPU is read, see end-to-end.step.ts).
 */
export function cpuSecondsOfStat(stat: string, children = false): number {
  const f = statFields(stat);
  // After the name: state is field 3 (index 0 here), utime 14 (11), stime 15 (12), cutime 16 (13), cstime 17 (14).
  const [a, b] = children ? [f[13], f[14]] : [f[11], f[12]];
  return (Number(a) + Number(b)) / TICKS_PER_SECOND;
}

/** utime + stime of `pid` in seconds, or undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    return cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The pids of this process's children running `name` (the command name /proc shows). */
export function childPidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(statFields(stat)[1]);
    if (command === name && ppid === process.pid) pids.push(Number(entry));
  }
  return pids;
}

/** CPU seconds of named processes at one moment; a process that is gone is left out. */
export type CpuSnapshot = Map<string, number>;

export function cpuSnapshot(pids: ReadonlyMap<string, number>): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  for (const [name, pid] of pids) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) snapshot.set(name, seconds);
  }
  snapshot.set('bench', benchCpuSeconds());
  return snapshot;
}

/** This process (the raw-Fabric client, the step driver). */
export function benchCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** CPU seconds each process used between two snapshots (processes present in both). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const used = new Map<string, number>();
  for (const [name, end] of after) {
    const start = before.get(name);
    if (start !== undefined) used.set(name, end - start);
  }
  return used;
}
