// The progress line on stderr while the run goes, and notes that stay above it.

let status = "starting";
let lastPrinted = "";
export const tty = process.stderr.isTTY;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s`;
export const ticker = setInterval(
  () => {
    const line = `[bench ${elapsed()}] ${status}`;
    if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
    else if (status !== lastPrinted) process.stderr.write(`${line}\n`);
    lastPrinted = status;
  },
  tty ? 200 : 3_000,
);
ticker.unref();
export const progress = (s: string) => (status = s);
export function note(s: string): void {
  if (tty) process.stderr.write("\r\x1b[K");
  process.stderr.write(`[bench ${elapsed()}] ${s}\n`);
}
