// The one retry policy of the service: every delivery, push or call that is retried waits
// this long after its nth failure in a row. Doubling from 1 s up to a minute, jittered so
// that retries after one outage spread out instead of arriving together.
export const RETRY_FIRST_MS = 1_000;
export const RETRY_MAX_MS = 60_000;

export function retryDelay(failures: number, random: () => number = Math.random): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (Math.max(1, failures) - 1)) * (0.5 + random() / 2);
}
