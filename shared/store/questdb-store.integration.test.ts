import { beforeAll } from "bun:test";
import postgres from "postgres";
import { requireInfra, testConfig, uniqueName } from "../testing/integration.ts";
import { QuestDbStore } from "./questdb-store.ts";
import { storeContract } from "./store.contract.ts";

const table = uniqueName("store_contract");
const config = testConfig({ STORE: "questdb", QUESTDB_TABLE: table });

beforeAll(async () => {
  await requireInfra(config);
});

storeContract("questdb", () => new QuestDbStore(config), {
  cleanup: async () => {
    const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false });
    await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
    await sql.end();
  },
});
