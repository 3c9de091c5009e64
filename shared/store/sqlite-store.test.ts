import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { SqliteStore } from "./sqlite-store.ts";
import { storeContract } from "./store.contract.ts";

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
