import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import postgres from "postgres";
import { requireInfra, testConfig, uniqueName } from "../../testing/integration.ts";
import { storeContract } from "../../testing/store.contract.ts";
import { buildRows } from "../../testing/store-contract-data.ts";
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
