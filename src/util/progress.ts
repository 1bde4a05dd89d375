// A progress bar for long commands, on stderr so stdout stays clean for
// results: one line redrawn in place on a terminal (bar, count, percent,
// elapsed, ETA), or a plain line every 10 % / 15 s when stderr is a pipe or a
// file (CI logs), where carriage returns would pile up.

export interface Progress {
  /** Marks `n` more units done; `note` says what is running now. */
  tick(n?: number, note?: string): void;
  /** Changes the expected total (adaptive work discovers more). */
  setTotal(total: number): void;
  /** Ends the bar with a final line. */
  done(summary?: string): void;
}

export interface ProgressOptions {
  total: number;
  label: string;
  stream?: NodeJS.WriteStream;
  /** Force plain lines (tests); default: plain unless the stream is a TTY. */
  plain?: boolean;
  now?: () => number;
}

const WIDTH = 24;

export function createProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  const plain = o.plain ?? !stream.isTTY;
  const now = o.now ?? (() => performance.now());
  const start = now();
  let total = Math.max(1, o.total);
  let count = 0;
  let note = '';
  let lastDraw = -Infinity;
  let lastPlainPct = -1;
  let lastPlainAt = start;

  const line = (): string => {
    const frac = Math.min(1, count / total);
    const elapsed = (now() - start) / 1000;
    const eta = count > 0 ? (elapsed * (total - count)) / count : NaN;
    const filled = Math.round(frac * WIDTH);
    const bar = plain ? '' : `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] `;
    return `${o.label} ${bar}${count}/${total} ${(frac * 100).toFixed(0)}% elapsed ${formatSeconds(elapsed)} eta ${Number.isFinite(eta) ? formatSeconds(eta) : '?'}${note ? `  ${note}` : ''}`;
  };

  const draw = (force: boolean) => {
    const t = now();
    if (plain) {
      const pct = Math.floor((count / total) * 10);
      if (force || pct > lastPlainPct || t - lastPlainAt > 15000) {
        lastPlainPct = pct;
        lastPlainAt = t;
        stream.write(`${line()}\n`);
      }
      return;
    }
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    const cols = stream.columns ?? 100;
    stream.write(`\r${line().slice(0, cols - 1).padEnd(cols - 1)}`);
  };

  return {
    tick(n = 1, what) {
      count += n;
      if (what !== undefined) note = what;
      if (count > total) total = count;
      draw(false);
    },
    setTotal(t) {
      total = Math.max(count, t, 1);
    },
    done(summary) {
      total = Math.max(count, 1);
      count = total;
      note = summary ?? '';
      draw(true);
      if (!plain) stream.write('\n');
    },
  };
}

export function formatSeconds(s: number): string {
  const whole = Math.round(s);
  if (whole < 60) return `${whole}s`;
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}
