import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import postgres from "postgres";
import { QuestDbStore } from "../adapters/questdb/questdb-store.ts";
import { requireInfra, testConfig, uniqueName } from "./integration.ts";
import { buildRows } from "./store-contract-data.ts";
import { walApplied } from "./wal-applied.ts";

setDefaultTimeout(60_000);

beforeAll(async () => {
  await requireInfra(testConfig());
});

test("walApplied() is a read barrier: after it, every acknowledged write is readable", async () => {
  const config = testConfig({ QUESTDB_TABLE: uniqueName("store_visible") });
  const store = new QuestDbStore(config);
  const rows = buildRows("XRPETH.udf.json", "XRPETH", 2000);
  try {
    for (let i = 0; i < rows.length; i += 500) await store.write(rows.slice(i, i + 500));
    await walApplied(config);
    const window = { symbol: "XRPETH", from: 0, to: Number.MAX_SAFE_INTEGER };
    expect((await store.summarize(window)).rows).toBe(rows.length);
  } finally {
    await store.close();
    const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
    await sql.unsafe(`DROP TABLE IF EXISTS "${config.QUESTDB_TABLE}"`);
    await sql.end({ timeout: 1 });
  }
});

test("walApplied() on a table that does not exist returns at once", async () => {
  await walApplied(testConfig({ QUESTDB_TABLE: uniqueName("no_such_table") }), 1000);
});
