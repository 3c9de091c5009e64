/** An in-process app over an in-memory SQLite store loaded with recorded candles, for route tests. */

import { SqliteStore } from "@shamdan/shared/adapters/sqlite/sqlite-store";
import { type Config, loadConfig } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { recordedRows } from "@shamdan/shared/testing/recordings";
import { type AppOptions, createApp } from "../app.ts";

export interface TestApp {
  app: ReturnType<typeof createApp>;
  store: SqliteStore;
  config: Config;
  rows: RecordedRows;
}

/** The recorded symbols' rows, by symbol: known keys, so a test reads `rows.ETHBTC` unchecked. */
export interface RecordedRows {
  ETHBTC: IndicatorRow[];
  XRPETH: IndicatorRow[];
}

/** ETHBTC (14,397 candles, 1 gap) and XRPETH (3,560) recorded; BTCIRT configured but empty. */
export async function testApp(
  overrides: Record<string, string> = {},
  options: Partial<Omit<AppOptions, "store" | "config" | "logger">> = {},
): Promise<TestApp> {
  const config = loadConfig(
    {},
    { STORE: "sqlite", SQLITE_PATH: ":memory:", SYMBOLS: "ETHBTC,XRPETH,BTCIRT", ...overrides },
  );
  const store = new SqliteStore(config);
  await store.init();
  const rows: RecordedRows = {
    ETHBTC: recordedRows("ETHBTC.udf.json", "ETHBTC", { config }),
    XRPETH: recordedRows("XRPETH.udf.json", "XRPETH", { config }),
  };
  await store.write(rows.ETHBTC);
  await store.write(rows.XRPETH);
  return { app: createApp({ store, config, logger: silentLogger, ...options }), store, config, rows };
}

export const postJson = (
  app: TestApp["app"],
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
