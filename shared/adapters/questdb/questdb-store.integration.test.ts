import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import postgres from "postgres";
import { requireInfra, testConfig, uniqueName } from "../../testing/integration.ts";
import { randomWalkRows } from "../../testing/random-walk.ts";
import { storeContract } from "../../testing/store.contract.ts";
import { buildRows } from "../../testing/store-contract-data.ts";
import { walApplied } from "../../testing/wal-applied.ts";
import { QuestDbStore } from "./questdb-store.ts";

// Real QuestDB on a loaded CI box: room for polling (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);
const table = uniqueName("store_contract");
const config = testConfig({ STORE: "questdb", QUESTDB_TABLE: table });

async function dropTable(name: string): Promise<void> {
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false });
  await sql.unsafe(`DROP TABLE IF EXISTS "${name}"`);
  await sql.end();
}

beforeAll(async () => {
  await requireInfra(config);
});

storeContract("questdb", () => new QuestDbStore(config), { cleanup: () => dropTable(table) });

test("a first write without init() still creates the contract table, not ILP's auto-created one", async () => {
  const name = uniqueName("store_schema");
  const store = new QuestDbStore(testConfig({ QUESTDB_TABLE: name }));
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false });
  try {
    await store.write(buildRows("XRPETH.udf.json", "XRPETH", 3));
    const columns = await sql.unsafe(
      `SELECT "column", type, designated, upsertKey FROM table_columns('${name}') ORDER BY "column"`,
    );
    const byName = Object.fromEntries(columns.map((c) => [c.column, c]));
    expect(byName.local_time).toMatchObject({ type: "TIMESTAMP", designated: true, upsertKey: true });
    expect(byName.stock_symbol).toMatchObject({ type: "SYMBOL", upsertKey: true });
    expect(byName.signal).toMatchObject({ type: "SYMBOL", upsertKey: false });
    expect(byName.signal_changed).toMatchObject({ type: "BOOLEAN" });
    for (const c of ["open", "volume", "SMA_5", "EMA_10", "avg_gain_10", "avg_loss_10", "rs", "RSI_10"])
      expect(byName[c]).toMatchObject({ type: "DOUBLE" });
    expect(columns).toHaveLength(17 + 1);
    const [info] = await sql.unsafe(
      `SELECT walEnabled, partitionBy, dedup FROM tables() WHERE table_name = '${name}'`,
    );
    expect(info).toMatchObject({ walEnabled: true, partitionBy: "DAY", dedup: true });
  } finally {
    await store.close();
    await sql.end();
    await dropTable(name);
  }
});

test("a write shared among threads stores exactly what one thread stores", async () => {
  const rows = [
    ...randomWalkRows("BTCIRT", 3, Date.UTC(2025, 5, 1), 5_000),
    ...randomWalkRows("ETHIRT", 4, Date.UTC(2025, 5, 1), 4_000),
  ];
  const tables = [uniqueName("store_threads"), uniqueName("store_one_thread")];
  const stores = tables.map(
    (name, i) =>
      new QuestDbStore(testConfig({ QUESTDB_TABLE: name, QUESTDB_WRITE_THREADS: i === 0 ? "3" : "1" })),
  );
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false });
  try {
    for (const store of stores) {
      await store.init();
      await store.write(rows);
    }
    const stored = [];
    for (const name of tables) {
      await walApplied({ ...config, QUESTDB_TABLE: name });
      stored.push(await sql.unsafe(`SELECT * FROM "${name}" ORDER BY stock_symbol, local_time`));
    }
    expect(stored[0]).toHaveLength(rows.length);
    expect(stored[0]).toEqual(stored[1] as (typeof stored)[0]);
  } finally {
    for (const store of stores) await store.close();
    await sql.end();
    for (const name of tables) await dropTable(name);
  }
});
