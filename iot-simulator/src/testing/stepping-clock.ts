import type { Clock } from '../load/clock.port';

/** A clock for unit tests: time moves only when the code under test sleeps or the test advances it. */
export interface SteppingClock extends Clock {
  advance(ms: number): void;
  /** Runs `hook` after every sleep, with the new time: a test's way of acting "at" a moment. */
  onSleep(hook: (now: number) => void): void;
}

export function newSteppingClock(): SteppingClock {
  let now = 0;
  const hooks: ((now: number) => void)[] = [];
  return {
    now: () => now,
    async sleep(ms) {
      now += Math.max(0, ms);
      for (const hook of hooks) hook(now);
      await new Promise(setImmediate);
    },
    advance(ms) {
      now += ms;
    },
    onSleep(hook) {
      hooks.push(hook);
    },
  };
}
