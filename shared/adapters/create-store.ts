/** Wiring decides the mode, not the code: `STORE=questdb` in compose/k8s, `sqlite` in embedded `bun start`. */
import type { Config } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import type { Store } from "../core/store.ts";
import { QuestDbStore } from "./questdb/questdb-store.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

export function createStore(config: Config, logger: Logger): Store {
  if (config.STORE === "sqlite") {
    logger.info("store: sqlite", { path: config.SQLITE_PATH, table: config.QUESTDB_TABLE });
    return new SqliteStore(config);
  }
  // The PG URL may carry a password: log only where it points.
  const pg = new URL(config.QUESTDB_PG_URL);
  logger.info("store: questdb", { pg: `${pg.hostname}:${pg.port}`, table: config.QUESTDB_TABLE });
  return new QuestDbStore(config);
}
