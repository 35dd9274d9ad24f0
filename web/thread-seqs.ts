// A thread's loaded seqs in order, and binary search over them: where a window of the
// thread starts and ends.
import type { Thread } from "./store";

export const sortedSeqs = (thread: Thread) => [...thread.bySeq.keys()].sort((a, b) => a - b);

/** The index of the first seq at or above `seq`. */
export function lowerBound(seqs: number[], seq: number): number {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid]! < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index after the last seq at or below `seq`. */
export const upperBound = (seqs: number[], seq: number) => lowerBound(seqs, seq + 1);
