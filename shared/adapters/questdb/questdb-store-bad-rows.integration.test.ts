/**
 * Values read back from the REAL QuestDB that break the table contract (changed by another writer
 * with SQL UPDATE) are a STORE_BAD_ROW naming the column, never a NaN or an unknown signal passed on.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import postgres from "postgres";
import { requireInfra, testConfig, uniqueName, waitFor } from "../../testing/integration.ts";
import { buildRows } from "../../testing/store-contract-data.ts";
import { QuestDbStore } from "./questdb-store.ts";

setDefaultTimeout(60_000);
const table = uniqueName("store_bad_rows");
const config = testConfig({ STORE: "questdb", QUESTDB_TABLE: table });
const rows = buildRows("XRPETH.udf.json", "XRPETH", 30);
const window = { symbol: "XRPETH", from: 0, to: Number.MAX_SAFE_INTEGER };
let store: QuestDbStore;
let sql: postgres.Sql;

beforeAll(async () => {
  await requireInfra(config);
  store = new QuestDbStore(config);
  sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  await store.init();
  await store.write(rows);
  await waitFor("rows visible", async () =>
    (await store.rows(window, 100)).length === 30 ? true : undefined,
  );
});

afterAll(async () => {
  await store?.close();
  await sql?.unsafe(`DROP TABLE IF EXISTS "${table}"`);
  await sql?.end({ timeout: 1 });
});

/** Runs an UPDATE on one row and waits until QuestDB's WAL apply makes it visible. */
async function tamper(set: string, visibleWhen: string, openTime: number): Promise<void> {
  const at = `local_time = ${openTime * 1000}`;
  await sql.unsafe(`UPDATE "${table}" SET ${set} WHERE ${at}`);
  await waitFor(`${set} visible`, async () => {
    const [row] = await sql.unsafe(`SELECT count() AS n FROM "${table}" WHERE ${at} AND ${visibleWhen}`);
    return Number(row?.n) === 1 ? true : undefined;
  });
}

const bad = (column: string) => ({
  code: "STORE_BAD_ROW",
  canRetry: false,
  message: expect.stringContaining(`"${column}" is NULL`),
});

test("a NULL price is named, in rows, bars and signal events alike", async () => {
  const openTime = rows[20]?.openTime ?? 0;
  await tamper("close = NULL", "close = NULL", openTime);
  await expect(store.rows(window, 100)).rejects.toMatchObject(bad("close"));
  await expect(store.bars(window, 60, 100)).rejects.toMatchObject(bad("close"));
  await expect(store.signals(window, { changesOnly: false, limit: 100 })).rejects.toMatchObject(bad("close"));
  // Aggregates skip NULLs: those answers stay valid.
  expect(await store.aggregate(window, "close", "highest")).toBe(Math.max(...rows.map((r) => r.close)));
  await tamper(`close = ${rows[20]?.close}`, "close != NULL", openTime);
  expect(await store.rows(window, 100)).toEqual(rows);
});

test("a missing signal on the latest row is named by symbols() and latestSignals()", async () => {
  await tamper("signal = NULL", "signal = NULL", rows[29]?.openTime ?? 0);
  await expect(store.symbols()).rejects.toMatchObject(bad("latestSignal"));
  await expect(store.latestSignals()).rejects.toMatchObject(bad("signal"));
});
