/** A timer handle as returned by {@link Clock.setTimeout}. */
export interface TimerHandle {
  unref?(): unknown;
}

/** Time source and timers, injectable so tests control time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: Date.now and Node timers (guard timers are unref'd by their users). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Schedules on a clock and unrefs the timer so it never keeps the process alive. */
export function guardTimer(clock: Clock, fn: () => void, ms: number): TimerHandle {
  const h = clock.setTimeout(fn, ms);
  h.unref?.();
  return h;
}
