import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../core/config.ts";
import { storeContract } from "../../testing/store.contract.ts";
import { buildRows } from "../../testing/store-contract-data.ts";
import { waitForRows } from "../../testing/wait-for-rows.ts";
import { SqliteStore } from "./sqlite-store.ts";

const config = (overrides: Record<string, string> = {}) =>
  loadConfig({}, { STORE: "sqlite", SQLITE_PATH: ":memory:", ...overrides });

storeContract("sqlite", () => new SqliteStore(config()));

test("creates the parent folder of SQLITE_PATH and uses the WAL journal", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shamdan-sqlite-"));
  try {
    const store = new SqliteStore(config({ SQLITE_PATH: join(dir, "nested", "deeper", "store.sqlite") }));
    await store.init();
    await store.ping();
    await store.close();
    const { Database } = await import("bun:sqlite");
    const db = new Database(join(dir, "nested", "deeper", "store.sqlite"));
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad interval or limit is a non-retryable ShamdanError, never SQL", async () => {
  const store = new SqliteStore(config());
  await store.init();
  const w = { symbol: "A", from: 0, to: 1 };
  await expect(store.bars(w, 0, 10)).rejects.toMatchObject({ code: "STORE_BAD_INPUT", canRetry: false });
  await expect(store.bars(w, 1.5, 10)).rejects.toMatchObject({ code: "STORE_BAD_INPUT" });
  await expect(store.rows(w, -1)).rejects.toMatchObject({ code: "STORE_BAD_INPUT" });
  await store.close();
});

test("waitForRows returns at once when the rows are there, and times out with what it saw", async () => {
  const store = new SqliteStore(config());
  await store.init();
  const rows = buildRows("XRPETH.udf.json", "XRPETH", 30);
  await store.write(rows);
  const window = { symbol: "XRPETH", from: 0, to: Number.MAX_SAFE_INTEGER };
  expect(await waitForRows(store, window, (got) => got.length === 30)).toEqual(rows);
  await expect(waitForRows(store, window, (got) => got.length === 31, { timeoutMs: 120 })).rejects.toThrow(
    /last saw 30/,
  );
  await store.close();
});

test("a stored value outside the table contract is a STORE_BAD_ROW naming the column, not a NaN", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shamdan-sqlite-"));
  const path = join(dir, "store.sqlite");
  try {
    const store = new SqliteStore(config({ SQLITE_PATH: path }));
    await store.init();
    const rows = buildRows("XRPETH.udf.json", "XRPETH", 30);
    await store.write(rows);
    const window = { symbol: "XRPETH", from: 0, to: Number.MAX_SAFE_INTEGER };
    // Another writer of the same file (SQLite types values per row, so a REAL column can hold text).
    const { Database } = await import("bun:sqlite");
    const db = new Database(path);
    const table = `"${config().QUESTDB_TABLE}"`;
    const tamper = (sql: string) =>
      db.run(`UPDATE ${table} SET ${sql} WHERE local_time = ${rows[20]?.openTime}`);
    const bad = { code: "STORE_BAD_ROW", canRetry: false };

    tamper(`close = 'n/a'`);
    await expect(store.rows(window, 100)).rejects.toMatchObject({
      ...bad,
      message: expect.stringContaining('"close"'),
    });
    await expect(store.bars(window, 60, 100)).rejects.toMatchObject({
      ...bad,
      message: expect.stringContaining('"close"'),
    });
    await expect(store.signals(window, { changesOnly: false, limit: 100 })).rejects.toMatchObject(bad);
    tamper(`close = 1, open = NULL`);
    await expect(store.rows(window, 100)).rejects.toMatchObject({
      ...bad,
      message: expect.stringContaining('"open" is NULL'),
    });
    tamper(`open = 1, signal = 'MAYBE'`);
    await expect(store.rows(window, 100)).rejects.toMatchObject({
      ...bad,
      message: expect.stringContaining('"signal"'),
    });
    // The latest row carries the symbol's latest signal.
    db.run(`UPDATE ${table} SET signal = 'MAYBE' WHERE local_time = ${rows[29]?.openTime}`);
    await expect(store.symbols()).rejects.toMatchObject({
      ...bad,
      message: expect.stringContaining('"latestSignal"'),
    });
    await expect(store.latestSignals()).rejects.toMatchObject({
      ...bad,
      message: expect.stringContaining('"signal"'),
    });
    db.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
