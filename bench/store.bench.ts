/**
 * Store write throughput (the sink's rows/s as a ratio to a bare ILP write, target >= 0.8):
 * `QuestDbStore.write` in batches of 1,000 against a bare @questdb/nodejs-client Sender writing the
 * same rows with one flush per 1,000, into two tables of the same schema. Interleaved rounds (store,
 * bare, store, bare, ...) so machine load hits both alike; bounded at 200k rows per contender.
 * Times are to the server's acknowledgement of each HTTP request (WAL commit), not to visibility.
 * Also reports SqliteStore.write (in-memory) for embedded mode. Tables are dropped afterwards.
 */
import { Sender } from "@questdb/nodejs-client";
import postgres from "postgres";
import { ilpConfForBatches } from "../shared/adapters/questdb/ilp-writer.ts";
import { QuestDbStore } from "../shared/adapters/questdb/questdb-store.ts";
import { SqliteStore } from "../shared/adapters/sqlite/sqlite-store.ts";
import { columnNames } from "../shared/adapters/store-columns.ts";
import { loadConfig } from "../shared/core/config.ts";
import type { IndicatorRow } from "../shared/core/messages.ts";
import { requireInfra, uniqueName } from "../shared/testing/integration.ts";
import { buildRows } from "../shared/testing/store-contract-data.ts";
import { writeBareIlp } from "./bare-ilp.ts";
import { report } from "./results.ts";

const ROUNDS = 10;
const PER_ROUND = 20_000;
const BATCH = 1000;
const SYMBOLS = ["BTCIRT", "ETHIRT", "USDTIRT", "ETCIRT", "SHIBIRT"];

/** Real XRPETH candles and indicators, repeated over 5 symbols and later time spans: 200k distinct rows. */
function makeRows(): IndicatorRow[][] {
  const base = buildRows("XRPETH.udf.json", "XRPETH", 3560);
  const span = base.length * 60_000;
  const all: IndicatorRow[] = [];
  for (let copy = 0; all.length < ROUNDS * PER_ROUND; copy++)
    for (const symbol of SYMBOLS)
      for (const r of base) all.push({ ...r, symbol, openTime: r.openTime + copy * span });
  return Array.from({ length: ROUNDS }, (_, i) => all.slice(i * PER_ROUND, (i + 1) * PER_ROUND));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rate = (rows: number, ms: number) => `${((rows / ms) * 1000).toFixed(0).padStart(9)} rows/s`;

// A benchmark script: one sequence of measurements, printed as it goes.
export async function bench(): Promise<void> {
  const config = loadConfig(process.env, { STORE: "questdb" });
  await requireInfra(config);
  const rounds = makeRows();
  const storeTable = uniqueName("bench_store");
  const bareTable = uniqueName("bench_bare");
  const store = new QuestDbStore({ ...config, QUESTDB_TABLE: storeTable });
  const schemaOnly = new QuestDbStore({ ...config, QUESTDB_TABLE: bareTable });
  const cols = columnNames(config);
  const sender = await Sender.fromConfig(ilpConfForBatches(config.QUESTDB_ILP_CONF));
  const bareWrite = (batch: readonly IndicatorRow[]) => writeBareIlp(sender, bareTable, cols, batch);
  const timeRound = async (rows: IndicatorRow[], write: (b: IndicatorRow[]) => Promise<void>) => {
    const start = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) await write(rows.slice(i, i + BATCH));
    return performance.now() - start;
  };
  try {
    await store.init();
    await schemaOnly.init();
    // Warm-up: connections, JIT, table files — the same 5k rows each (dedup makes them harmless).
    const warm = (rounds[0] as IndicatorRow[]).slice(0, 5000);
    await timeRound(warm, (b) => store.write(b));
    await timeRound(warm, bareWrite);
    const storeMs: number[] = [];
    const bareMs: number[] = [];
    for (const rows of rounds) {
      storeMs.push(await timeRound(rows, (b) => store.write(b)));
      bareMs.push(await timeRound(rows, bareWrite));
    }
    const s = median(storeMs);
    const b = median(bareMs);
    console.log(
      `QuestDbStore.write  (batches of ${BATCH})   ${rate(PER_ROUND, s)}  (median of ${ROUNDS} x ${PER_ROUND})`,
    );
    console.log(`bare ILP Sender     (flush per ${BATCH})    ${rate(PER_ROUND, b)}`);
    console.log(`ratio store / bare                       ${(b / s).toFixed(2)}   (target >= 0.8)`);
    report("store.questDbRowsPerSecond", (PER_ROUND * 1000) / s);
    report("store.bareIlpRowsPerSecond", (PER_ROUND * 1000) / b);
    report("store.ratioToBareIlp", b / s);

    const sqlite = new SqliteStore({ ...config, SQLITE_PATH: ":memory:" });
    await sqlite.init();
    const sqliteMs: number[] = [];
    for (const rows of rounds) sqliteMs.push(await timeRound(rows, (batch) => sqlite.write(batch)));
    await sqlite.close();
    console.log(`SqliteStore.write   (:memory:, batches)   ${rate(PER_ROUND, median(sqliteMs))}`);
  } finally {
    await sender.close();
    await store.close();
    await schemaOnly.close();
    const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false });
    try {
      await sql.unsafe(`DROP TABLE IF EXISTS "${storeTable}"`);
      await sql.unsafe(`DROP TABLE IF EXISTS "${bareTable}"`);
    } catch (error) {
      // Keep the benchmark's own error (if any) visible; say what is left behind.
      console.error(`could not drop ${storeTable}, ${bareTable}: ${String(error)}`);
    } finally {
      await sql.end({ timeout: 0 });
    }
  }
}
