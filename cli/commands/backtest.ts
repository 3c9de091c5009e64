/**
 * `shamdan backtest`: would acting on the signals have made money after fees? Runs the indicator
 * engine over a recording (or the store's candles of one symbol and window) and trades its signals
 * by the rules in cli/backtest/backtest.ts. Any problem with the input is one line on stderr and
 * exit code 2.
 */
import { parseInstant } from "@shamdan/api/instant";
import { type Candle, SymbolEngine } from "@shamdan/indicators";
import { createProgress } from "@shamdan/ingest/progress";
import { createStore } from "@shamdan/shared/adapters/create-store";
import { type Config, ConfigError, loadConfig } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import { ShamdanError } from "@shamdan/shared/core/errors";
import { createLogger } from "@shamdan/shared/core/log";
import { BacktestInputError, backtest, type SignalPoint } from "../backtest/backtest.ts";
import { toJson, toTable } from "../backtest/render.ts";
import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";
import { InputError, readUdfFile } from "./compute.ts";

/**
 * Nobitex's base-tier taker fee on its toman (IRT) markets, 0.25 % per side: the backtest buys and
 * sells at the close, i.e. with market (taker) orders, as a trader with under 100 million toman of
 * 30-day volume would.
 */
export const DEFAULT_FEE = 0.0025;

/** Inputs at least this long draw a progress bar (on a terminal only). */
const PROGRESS_FROM = 200_000;
/** Rows per store read. */
const PAGE = 50_000;

const help = `Usage: bun run shamdan backtest --input FILE [options]
       bun run shamdan backtest --symbol S --from T --to T [options]

Trades the signals of a recording (a Nobitex UDF response file) or of a symbol's stored candles in
[from, to) and prints the result. Rules (long only, equity 1 in cash at the start):
  - while flat, the first candle whose signal is BUY buys at its close: units = cash x (1 - F) / close;
  - while long, the first candle whose signal is SELL sells at its close: cash = units x close x (1 - F);
    a trade is a win when the cash after the sale exceeds the cash before the buy;
  - a position open after the last candle is sold at the last close the same way (and counted);
  - equity at each candle = cash + units x close after its trade; max drawdown = the largest
    1 - equity / (highest equity so far, the starting 1 included);
  - buy-and-hold = (1 - F)^2 x last close / first close - 1; exposure = share of candles in a position.

  --input FILE         the UDF JSON file
  --symbol S           read the candles of symbol S from the store (STORE, default questdb) instead
  --from T, --to T     the store window: ISO-8601 (UTC unless an offset is given) or unix seconds
  --flavor NAME        talib or pandas (seed is an accepted old name); default INDICATOR_FLAVOR
  --sma N, --ema N, --rsi N   periods; default SMA_PERIOD, EMA_PERIOD, RSI_PERIOD
  --fee F              fee per side as a fraction, default ${DEFAULT_FEE} (Nobitex's base-tier taker fee
                       on IRT markets)
  --format table|json  table (default): summary, equity chart, last trades; json: one document
                       {"summary": {...}, "trades": [...]}
Signals are recomputed from the candles (the indicators warm up on the first candles of the input).
Bad input exits with code 2 and one line on stderr.`;

export const backtestCommand: Command = {
  name: "backtest",
  summary: "Trade the signals of a recording or of stored candles after fees; print the result",
  help,
  async run(argv) {
    try {
      return await runBacktest(argv);
    } catch (error) {
      // One line, whatever the cause: the help text would bury the problem.
      if (error instanceof UsageError || error instanceof InputError || error instanceof BacktestInputError) {
        process.stderr.write(`shamdan backtest: ${oneLine(error.message)}\n`);
        return ExitCode.usage;
      }
      if (error instanceof ConfigError) {
        process.stderr.write(`shamdan backtest: invalid configuration: ${error.problems.join("; ")}\n`);
        return ExitCode.usage;
      }
      // The store unreachable or failing: not the input's fault, but still one line.
      if (error instanceof ShamdanError) {
        process.stderr.write(`shamdan backtest: ${error.code}: ${oneLine(error.message)}\n`);
        return ExitCode.failure;
      }
      throw error;
    }
  },
};

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ");

async function runBacktest(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    input: { type: "string" },
    symbol: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    flavor: { type: "string" },
    sma: { type: "string" },
    ema: { type: "string" },
    rsi: { type: "string" },
    fee: { type: "string" },
    format: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const format = values.format ?? "table";
  if (format !== "table" && format !== "json")
    throw new UsageError(`--format must be table or json, got "${format}"`);
  const fee = values.fee === undefined ? DEFAULT_FEE : Number(values.fee);
  if (
    values.fee !== undefined &&
    (values.fee.trim() === "" || !(Number.isFinite(fee) && fee >= 0 && fee < 1))
  )
    throw new UsageError(`--fee must be a fraction in [0, 1) such as 0.0025, got "${values.fee}"`);
  const fromStore = values.symbol !== undefined || values.from !== undefined || values.to !== undefined;
  if (values.input !== undefined && fromStore)
    throw new UsageError("give either --input FILE or --symbol S --from T --to T, not both");
  if (values.input === undefined && !fromStore)
    throw new UsageError("--input FILE or --symbol S --from T --to T is required");

  const config = loadConfig(process.env, {
    INDICATOR_FLAVOR: values.flavor,
    SMA_PERIOD: values.sma,
    EMA_PERIOD: values.ema,
    RSI_PERIOD: values.rsi,
  });
  const showProgress = process.stderr.isTTY === true;
  const candles =
    values.input !== undefined
      ? await readUdfFile(values.input).catch((error: unknown) => {
          if (error instanceof InputError) throw new InputError(`${values.input}: ${error.message}`);
          throw error;
        })
      : await readStore(config, values.symbol, values.from, values.to, showProgress);

  // Two passes over the candles (signals, then trades): the bar counts both.
  const progress =
    candles.length >= PROGRESS_FROM
      ? createProgress({ total: 2 * candles.length, label: "backtest", unit: "steps" })
      : undefined;
  const points = signalPoints(config, candles, progress && ((done) => progress.update(done)));
  const result = backtest(points, {
    fee,
    onProgress: progress && ((done, total) => progress.update(total + done)),
  });
  progress?.finish();
  process.stdout.write(format === "json" ? `${JSON.stringify(toJson(result))}\n` : toTable(result));
  return ExitCode.ok;
}

/** Each candle's close and the signal the engine gives it, in order. */
function signalPoints(
  config: Config,
  candles: readonly Candle[],
  onProgress?: (done: number, total: number) => void,
): SignalPoint[] {
  const engine = new SymbolEngine(engineSettings(config));
  const points: SignalPoint[] = new Array(candles.length);
  for (let i = 0; i < candles.length; i++) {
    const candle = candles[i] as Candle;
    const step = engine.next(candle);
    if (!step.ok)
      throw new InputError(`candle at t=${candle.openTime / 1000} rejected by the engine: ${step.detail}`);
    points[i] = { time: candle.openTime, close: candle.close, signal: step.signal };
    if (onProgress && (i + 1) % 65_536 === 0) onProgress(i + 1, candles.length);
  }
  return points;
}

async function readStore(
  config: Config,
  symbol: string | undefined,
  fromText: string | undefined,
  toText: string | undefined,
  showProgress: boolean,
): Promise<Candle[]> {
  if (!symbol || fromText === undefined || toText === undefined)
    throw new UsageError("--symbol, --from and --to go together");
  const from = parseInstant(fromText);
  const to = parseInstant(toText);
  if (from === undefined) throw new UsageError(`--from: not an ISO-8601 time or unix seconds: "${fromText}"`);
  if (to === undefined) throw new UsageError(`--to: not an ISO-8601 time or unix seconds: "${toText}"`);
  if (!(from < to)) throw new UsageError("--from must be before --to");
  // Only warnings: the command's output is the result, not the store's start-up lines.
  const store = createStore(config, createLogger("warn", { service: "backtest" }));
  try {
    const candles: Candle[] = [];
    let cursor = from;
    for (;;) {
      const rows = await store.rows({ symbol, from: cursor, to }, PAGE);
      for (const r of rows)
        candles.push({
          openTime: r.openTime,
          open: r.open,
          high: r.high,
          low: r.low,
          close: r.close,
          volume: r.volume,
        });
      if (showProgress) process.stderr.write(`\rread ${candles.length} candles of ${symbol}`);
      const last = rows.at(-1);
      if (rows.length < PAGE || !last) break;
      cursor = last.openTime + 1;
    }
    if (showProgress) process.stderr.write("\n");
    if (candles.length === 0)
      throw new InputError(
        `no stored candles of ${symbol} in [${new Date(from).toISOString()}, ${new Date(to).toISOString()})`,
      );
    return candles;
  } finally {
    await store.close();
  }
}
