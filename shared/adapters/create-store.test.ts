import { expect, test } from "bun:test";
import { loadConfig } from "../core/config.ts";
import { createLogger } from "../core/log.ts";
import { createStore } from "./create-store.ts";
import { QuestDbStore } from "./questdb/questdb-store.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

test("STORE picks the adapter; the log names where it points, never the PG password", async () => {
  const lines: string[] = [];
  const logger = createLogger("info", {}, (line) => lines.push(line));
  const sqlite = createStore(loadConfig({}, { STORE: "sqlite", SQLITE_PATH: ":memory:" }), logger);
  expect(sqlite).toBeInstanceOf(SqliteStore);
  await sqlite.close();
  // Constructing the QuestDB store opens no connection (postgres.js and the ILP sender are lazy).
  const questdb = createStore(
    loadConfig({}, { STORE: "questdb", QUESTDB_PG_URL: "postgres://admin:s3cret@127.0.0.1:1/qdb" }),
    logger,
  );
  expect(questdb).toBeInstanceOf(QuestDbStore);
  await questdb.close();
  expect(lines.join("\n")).not.toContain("s3cret");
  expect(lines.join("\n")).toContain("127.0.0.1:1");
});
