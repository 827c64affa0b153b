import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// sysconf(_SC_CLK_TCK): the unit of utime and stime in /proc/<pid>/stat. 100 on every common Linux; asked once.
function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(ticks) && ticks > 0) return ticks;
  } catch {
    // getconf missing: fall through to the Linux default.
  }
  return 100;
}

const TICKS_PER_SECOND = clockTicksPerSecond();

/** CPU time a process has used so far, in seconds. */
export interface CpuTime {
  readonly user: number;
  /** In the kernel on the process's behalf: socket reads and writes, waiting and waking. */
  readonly system: number;
}

/**
 * CPU time (all threads) another process has used so far, from /proc/<pid>/stat. Resolution is one clock tick
 * (10 ms at 100 Hz), so measure windows of seconds.
 * @throws Error when the process is gone or /proc is not Linux's.
 */
export function processCpuTime(pid: number): CpuTime {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2, the command, is in parentheses and may hold spaces; the fields after its ')' start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/${pid}/stat`);
  return { user: utime / TICKS_PER_SECOND, system: stime / TICKS_PER_SECOND };
}

/** CPU time this process has used so far, in seconds (user + system). */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
