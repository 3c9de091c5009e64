/**
 * Progress of long work (replay, backfills, benchmarks): a redrawn bar on a terminal, plain lines
 * (every 10 %) otherwise, so CI logs stay readable.
 */
export interface Progress {
  update(done: number): void;
  finish(): void;
}

export interface ProgressOptions {
  total: number;
  label: string;
  unit?: string;
  stream?: { write(text: string): unknown; isTTY?: boolean };
  now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const unit = options.unit ?? "items";
  const total = Math.max(options.total, 0);
  const started = now();
  let lastDraw = 0;
  let lastDecile = -1;
  let done = 0;

  const line = () => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const seconds = Math.max((now() - started) / 1000, 1e-3);
    const rate = Math.round(done / seconds);
    return {
      fraction,
      text: `${options.label} ${done}/${total} ${unit} ${(fraction * 100).toFixed(0)}% ${rate}/s`,
    };
  };
  const draw = (final: boolean) => {
    const { fraction, text } = line();
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      stream.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${text}${final ? "\n" : ""}`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile > lastDecile || final) {
      lastDecile = decile;
      stream.write(`${text}\n`);
    }
  };
  return {
    update(value) {
      done = value;
      const t = now();
      // Redraw at most ten times a second: a terminal is slower than a fast replay.
      if (!stream.isTTY || t - lastDraw >= 100) {
        lastDraw = t;
        draw(false);
      }
    },
    finish() {
      if (!stream.isTTY && lastDecile >= 10) return;
      draw(true);
    },
  };
}
