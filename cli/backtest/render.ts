/** How `shamdan backtest` prints a result: one JSON document, or a table with an equity chart. */
import type { BacktestResult, Trade } from "./backtest.ts";

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/** `{"summary": {...}, "trades": [...]}` with times as ISO-8601 UTC strings. */
export function toJson(result: BacktestResult) {
  const s = result.summary;
  return {
    summary: { ...s, firstTime: iso(s.firstTime), lastTime: iso(s.lastTime) },
    trades: result.trades.map((t) => ({ ...t, entryTime: iso(t.entryTime), exitTime: iso(t.exitTime) })),
  };
}

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(2)}%`);

/**
 * The equity curve as `height` rows of block characters, one column per slice of the series (the
 * slice's last value), scaled between the curve's lowest and highest value.
 */
export function equityChart(equity: Float64Array, width = 60, height = 8): string[] {
  const n = equity.length;
  if (n === 0) return [];
  const columns = Math.min(width, n);
  const values: number[] = [];
  for (let c = 0; c < columns; c++) {
    const end = Math.floor(((c + 1) * n) / columns) - 1;
    values.push(equity[end] as number);
  }
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  // A flat curve still draws: give it a band around its value.
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const steps = " ▁▂▃▄▅▆▇█";
  // Height of each column in eighths of a row; at least one eighth, so the lowest point shows.
  const eighths = values.map((x) => Math.max(1, Math.round(((x - lo) / (hi - lo)) * height * 8)));
  const label = (x: number) => x.toFixed(4).padStart(8);
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    let line = "";
    for (const h of eighths) line += steps[Math.max(0, Math.min(8, h - r * 8))];
    const axis = r === height - 1 ? label(hi) : r === 0 ? label(lo) : " ".repeat(8);
    rows.push(`${axis} ┤${line}`);
  }
  return rows;
}

export function toTable(result: BacktestResult, maxTrades = 20): string {
  const s = result.summary;
  const lines = [
    `candles        ${s.candles} (${iso(s.firstTime)} .. ${iso(s.lastTime)})`,
    `fee per side   ${pct(s.fee)}`,
    `trades         ${s.trades} (wins ${s.wins}, win rate ${pct(s.winRate)})`,
    `total return   ${pct(s.totalReturn)} (final equity ${s.finalEquity.toFixed(6)})`,
    `buy and hold   ${pct(s.buyAndHoldReturn)}`,
    `max drawdown   ${pct(s.maxDrawdown)}`,
    `exposure       ${pct(s.exposure)}`,
    `fees paid      ${s.feesPaid.toFixed(6)} (of a starting equity of 1)`,
    "",
    "equity",
    ...equityChart(result.equity),
    "",
  ];
  const trades = result.trades;
  if (trades.length > 0) {
    const shown = trades.length > maxTrades ? trades.slice(-maxTrades) : trades;
    lines.push(
      trades.length > maxTrades
        ? `trades (last ${maxTrades} of ${trades.length}; --format json lists all)`
        : "trades",
    );
    lines.push(tradeRow(["entry", "entry price", "exit", "exit price", "return"]));
    for (const t of shown) lines.push(tradeRow(tradeCells(t)));
    if (shown.some((t) => t.closedAtEnd)) lines.push("* sold at the last close: the position was still open");
  }
  return `${lines.join("\n")}\n`;
}

function tradeCells(t: Trade): string[] {
  return [
    iso(t.entryTime),
    String(t.entryPrice),
    `${iso(t.exitTime)}${t.closedAtEnd ? "*" : ""}`,
    String(t.exitPrice),
    pct(t.return),
  ];
}

const tradeRow = (cells: string[]) =>
  cells.map((c, i) => (i === 0 || i === 2 ? c.padEnd(21) : c.padStart(12))).join("  ");
