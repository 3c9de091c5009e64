/**
 * Shared by the end-to-end test (processor/pipeline.integration.test.ts) and the pipeline benchmark:
 * recorded candles, the expected rows from `computeSeries`, reading the stored rows back from
 * QuestDB, comparing them row by row, and cleaning up the topics, groups and table a run created.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CandleInput, computeSeries } from "@shamdan/indicators";
import type { Bus } from "@shamdan/shared/core/bus";
import { type Config, topicFor } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import type { CandleMessage, IndicatorRow } from "@shamdan/shared/core/messages";
import { NUMERIC_FIELDS } from "@shamdan/shared/core/store";
import { UdfResponseSchema, udfToCandles } from "@shamdan/shared/core/udf";
import { Kafka, logLevel } from "kafkajs";
import postgres from "postgres";
import * as v from "valibot";

export const REPO_ROOT = join(import.meta.dir, "..", "..");
/** Recorded real candles (data/README.md has their provenance). */
export const RECORDED_SYMBOLS = ["ETCBTC", "ETHBTC", "XRPETH"] as const;

export function recordedCandles(symbol: string, limit: number): CandleInput[] {
  const path = join(REPO_ROOT, "data", "candles", `${symbol}.udf.json`);
  const response = v.parse(UdfResponseSchema, JSON.parse(readFileSync(path, "utf8")));
  return udfToCandles(response).slice(0, limit);
}

export const candleMessage = (symbol: string, candle: CandleInput): CandleMessage => ({
  v: 1,
  symbol,
  resolution: "1",
  fetchedAt: candle.openTime + 60_000,
  ...candle,
});

/** Publishes candles on the symbol's topic in chunks (one acknowledged request per chunk). */
export async function publishCandles(
  bus: Bus,
  config: Config,
  symbol: string,
  candles: readonly CandleInput[],
  chunk = 500,
) {
  for (let i = 0; i < candles.length; i += chunk) {
    const slice = candles.slice(i, i + chunk);
    await bus.publish(
      topicFor(config, symbol),
      slice.map((c) => ({ key: symbol, value: JSON.stringify(candleMessage(symbol, c)) })),
    );
  }
}

/** What an uninterrupted run must store: the final row of every minute (a replaced candle's last value). */
export function expectedRows(
  config: Config,
  symbol: string,
  candles: readonly CandleInput[],
): IndicatorRow[] {
  const byTime = new Map<number, IndicatorRow>();
  for (const { candle, step } of computeSeries(engineSettings(config), candles)) {
    if (!step.ok) continue;
    byTime.set(candle.openTime, {
      v: 1,
      symbol,
      ...candle,
      ...step.values,
      signal: step.signal,
      signalChanged: step.signalChanged,
      // The store does not keep it (a stored row is the minute's final value).
      replaced: false,
    });
  }
  return [...byTime.values()];
}

const close = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Every difference between stored and expected rows (missing, extra/duplicated, or a different value). */
export function compareRows(stored: readonly IndicatorRow[], expected: readonly IndicatorRow[]): string[] {
  const problems: string[] = [];
  const want = new Map(expected.map((r) => [`${r.symbol}@${r.openTime}`, r]));
  const seen = new Set<string>();
  for (const row of stored) {
    const key = `${row.symbol}@${row.openTime}`;
    const exp = want.get(key);
    if (seen.has(key)) problems.push(`duplicated ${key}`);
    seen.add(key);
    if (!exp) {
      problems.push(`unexpected ${key}`);
      continue;
    }
    for (const field of NUMERIC_FIELDS)
      if (!close(row[field], exp[field]))
        problems.push(`${key} ${field}: stored ${row[field]}, expected ${exp[field]}`);
    if (row.signal !== exp.signal || row.signalChanged !== exp.signalChanged)
      problems.push(
        `${key} signal: stored ${row.signal}/${row.signalChanged}, expected ${exp.signal}/${exp.signalChanged}`,
      );
  }
  for (const key of want.keys()) if (!seen.has(key)) problems.push(`missing ${key}`);
  return problems;
}

/** QuestDB reads for the test: row counts and all rows of a table, through PG wire. */
export function questDb(config: Config) {
  const sql = postgres(config.QUESTDB_PG_URL, { max: 2, fetch_types: false, onnotice: () => {} });
  const table = config.QUESTDB_TABLE;
  return {
    sql,
    async count(): Promise<number> {
      const [row] = await sql.unsafe(`SELECT count() AS n FROM "${table}"`);
      return Number(row?.n ?? 0);
    },
    async drop(): Promise<void> {
      await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`).catch(() => {});
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Deletes the Kafka topics and consumer groups of one run (best effort: cleanup never fails a test). */
export async function deleteKafkaResources(
  config: Config,
  topics: string[],
  groups: string[],
): Promise<void> {
  const admin = new Kafka({ brokers: [...config.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 }).catch(() => {});
    await admin.deleteGroups(groups).catch(() => {});
  } catch {
    // The broker may be gone at the end of a failed run; nothing more to do.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Config overrides giving one run its own topics, groups and table. */
export function isolatedOverrides(prefix: string, symbols: readonly string[]): Record<string, string> {
  return {
    SYMBOLS: symbols.join(","),
    TOPIC_TEMPLATE: `${prefix}_{symbol}`,
    OUTPUT_TOPIC: `${prefix}_output`,
    DEAD_LETTER_TOPIC: `${prefix}_dead`,
    PROCESSOR_GROUP: `${prefix}_processor`,
    SINK_GROUP: `${prefix}_sink`,
    QUESTDB_TABLE: `${prefix}_stock_data`,
    BUS: "kafka",
    STORE: "questdb",
  };
}

export const runTopics = (config: Config) => [
  ...config.SYMBOLS.map((s) => topicFor(config, s)),
  config.OUTPUT_TOPIC,
  config.DEAD_LETTER_TOPIC,
  `${config.PROCESSOR_GROUP}_state`,
];
