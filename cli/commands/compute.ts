/**
 * `shamdan compute --input FILE`: the offline/backtest entry point. Reads a
 * Nobitex UDF response file, runs the indicator engine over it and prints one JSON line per candle.
 * A file that is not a valid UDF response fails with the problem named and exit code 2: a backtest
 * must not silently skip bad rows.
 */

import { computeSeries } from "@shamdan/indicators";
import { loadConfig } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import { splitUdfCandles, UdfResponseSchema } from "@shamdan/shared/core/udf";
import * as v from "valibot";
import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";

const help = `Usage: bun run shamdan compute --input FILE [--flavor talib|pandas] [--sma N] [--ema N] [--rsi N]

Computes SMA, EMA, RSI and the signal (SMA/EMA crossover filtered by RSI) for every candle of a
recorded Nobitex UDF response ({"s":"ok","t":[unix s...],"o":[...],"h":[...],"l":[...],"c":[...],"v":[...]}) and prints JSON Lines:
  {"time":<unix s>,"close":...,"sma":...,"ema":...,"rsi":...,"avgGain":...,"avgLoss":...,"signal":"BUY|SELL|HOLD"}
with null where a value is undefined (warm-up; pandas RSI without losses).

  --input FILE    the UDF JSON file (required)
  --flavor NAME   talib (TA-Lib conventions) or pandas (the original pandas formulas; seed is an
                  accepted old name); default INDICATOR_FLAVOR
  --sma N         SMA period; default SMA_PERIOD (5)
  --ema N         EMA period; default EMA_PERIOD (10)
  --rsi N         RSI period; default RSI_PERIOD (10)
Signal thresholds come from RSI_BUY_BELOW / RSI_SELL_ABOVE. An invalid file exits with code 2.`;

/** A problem with the input file: reported as is, exit code 2. */
export class InputError extends Error {}

export const computeCommand: Command = {
  name: "compute",
  summary: "Compute indicators and signals for a recorded UDF file, print JSON Lines",
  help,
  async run(argv) {
    const { values } = parseOptions(argv, {
      input: { type: "string" },
      flavor: { type: "string" },
      sma: { type: "string" },
      ema: { type: "string" },
      rsi: { type: "string" },
    });
    if (!values.input) throw new UsageError("--input FILE is required");
    // Flags go through the config schema, so they are checked exactly like the environment.
    const config = loadConfig(process.env, {
      INDICATOR_FLAVOR: values.flavor,
      SMA_PERIOD: values.sma,
      EMA_PERIOD: values.ema,
      RSI_PERIOD: values.rsi,
    });
    try {
      const candles = await readUdfFile(values.input);
      const lines: string[] = [];
      const flush = () => {
        if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
        lines.length = 0;
      };
      for (const { candle, step } of computeSeries(engineSettings(config), candles)) {
        // Cannot happen after the file checks above; kept so a future rule never drops rows silently.
        if (!step.ok) throw new InputError(`candle at t=${candle.openTime / 1000} rejected: ${step.detail}`);
        const x = step.values;
        lines.push(
          JSON.stringify({
            time: candle.openTime / 1000,
            close: candle.close,
            sma: x.sma,
            ema: x.ema,
            rsi: x.rsi,
            avgGain: x.avgGain,
            avgLoss: x.avgLoss,
            signal: step.signal,
          }),
        );
        if (lines.length >= 4096) flush();
      }
      flush();
      return ExitCode.ok;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      process.stderr.write(`shamdan compute: ${values.input}: ${error.message}\n`);
      return ExitCode.usage;
    }
  },
};

/** The candles of a recorded UDF response; an InputError names what is wrong with the file. */
export async function readUdfFile(path: string) {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new InputError("file not found");
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch (error) {
    throw new InputError(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = v.safeParse(UdfResponseSchema, json);
  if (!parsed.success) {
    const problems = parsed.issues.slice(0, 5).map((i) => `${v.getDotPath(i) ?? "(file)"}: ${i.message}`);
    const more = parsed.issues.length > 5 ? ` (and ${parsed.issues.length - 5} more)` : "";
    throw new InputError(`not a UDF history response: ${problems.join("; ")}${more}`);
  }
  const body = parsed.output;
  if (body.s === "error") throw new InputError(`the file holds a UDF error response: "${body.errmsg}"`);
  if (body.s === "no_data") return [];
  const { candles, rejected } = splitUdfCandles(body);
  const first = rejected[0];
  if (first) {
    throw new InputError(
      `${rejected.length} invalid candle(s); first at index ${first.index} (t=${first.openTime / 1000}): ${first.reason}`,
    );
  }
  return candles;
}
