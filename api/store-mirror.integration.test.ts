/**
 * The store mirror against the REAL QuestDB: on random windows its summarize, aggregate and bars
 * answers equal the plain SQL's. Exactly, for every window within one UTC day (one QuestDB
 * partition, summed left to right by both) and for every bar of an interval that divides a day;
 * within 1e-12 relative for averages over several days and sums over week-long bars, where QuestDB
 * adds per-partition partial sums in the order its workers finish (the same SQL can differ in the
 * last bits from one run to the next).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { QuestDbStore } from "@shamdan/shared/adapters/questdb/questdb-store";
import { silentLogger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { mulberry32 } from "@shamdan/shared/core/prng";
import { AGGREGATIONS, NUMERIC_FIELDS } from "@shamdan/shared/core/store";
import { requireInfra, testConfig, uniqueName } from "@shamdan/shared/testing/integration";
import { randomWalkRows } from "@shamdan/shared/testing/random-walk";
import { walApplied } from "@shamdan/shared/testing/wal-applied";
import postgres from "postgres";
import { Registry } from "prom-client";
import { StoreMirror } from "./store-mirror.ts";
import { expectClose } from "./testing/expect-close.ts";

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const NOW = Date.now();
const SYMBOLS = ["ETHIRT", "USDTIRT"];
const DAYS = 4;
const table = uniqueName("mirror_it");
const config = testConfig({ STORE: "questdb", QUESTDB_TABLE: table, SYMBOLS: SYMBOLS.join(",") });
let store: QuestDbStore;
let mirror: StoreMirror;
const registry = new Registry();

beforeAll(async () => {
  await requireInfra(config);
  store = new QuestDbStore(config);
  await store.init();
  const random = mulberry32(3);
  const start = Math.floor((NOW - DAYS * DAY) / MINUTE) * MINUTE;
  const rows: IndicatorRow[] = SYMBOLS.flatMap((symbol, s) =>
    [...randomWalkRows(symbol, s + 7, start, DAYS * 1440)].filter(() => random() > 0.02),
  );
  await store.write(rows);
  await walApplied(config, 60_000);
  mirror = new StoreMirror(store, {
    days: DAYS,
    refreshMs: 1000,
    symbols: SYMBOLS,
    logger: silentLogger,
    registry,
  });
  mirror.start();
  await mirror.loaded();
}, 120_000);

afterAll(async () => {
  await mirror?.stop();
  await store?.close();
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
  await sql.end({ timeout: 1 });
});

test("summarize, aggregate and bars from the mirror equal QuestDB's SQL on 300 random windows", async () => {
  const random = mulberry32(17);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const coveredFrom = Math.floor((NOW - DAYS * DAY) / MINUTE) * MINUTE + MINUTE;
  let exactWindows = 0;
  for (let i = 0; i < 300; i++) {
    const from = coveredFrom + Math.floor(random() * (DAYS - 0.5) * DAY);
    const length = pick([MINUTE, 60 * MINUTE, 6 * 60 * MINUTE, DAY, 2 * DAY, Math.floor(random() * DAY)]);
    const window = { symbol: pick(SYMBOLS), from, to: from + length };
    const oneDay = Math.floor(from / DAY) === Math.floor((window.to - 1) / DAY);
    if (oneDay) exactWindows++;
    const tolerance = oneDay ? 0 : 1e-12;
    expectClose(await mirror.summarize(window), await store.summarize(window), tolerance, "summarize");
    const field = pick(NUMERIC_FIELDS);
    const aggregation = pick(AGGREGATIONS);
    expectClose(
      await mirror.aggregate(window, field, aggregation),
      await store.aggregate(window, field, aggregation),
      aggregation === "avg" ? tolerance : 0,
      `aggregate ${field} ${aggregation}`,
    );
    const interval = pick([60, 300, 900, 3600, 14_400, 86_400, 604_800]);
    const limit = pick([1, 50, 10_000]);
    expectClose(
      await mirror.bars(window, interval, limit),
      await store.bars(window, interval, limit),
      interval === 604_800 ? 1e-12 : 0,
      `bars ${interval}s`,
    );
  }
  // The exact comparisons must be a real share of the windows, not a corner case, and every answer
  // compared must have come from memory.
  expect(exactWindows).toBeGreaterThan(100);
  const metrics = await registry.metrics();
  expect(metrics).toContain('shamdan_api_mirror_reads_total{answered_by="mirror"} 900');
  expect(metrics).not.toContain('answered_by="store"');
}, 120_000);
