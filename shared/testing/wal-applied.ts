/**
 * A read barrier for tests and benchmarks over the REAL QuestDB: resolves once every write the
 * server acknowledged before the call is visible to reads. QuestDB applies WAL transactions
 * asynchronously; `wal_tables()` tells how far the apply has come (writerTxn) against what was
 * committed (sequencerTxn). Production code never waits for this: the API reads what is applied.
 */
import postgres from "postgres";
import type { Config } from "../core/config.ts";
import { ShamdanError } from "../core/errors.ts";

/** Throws if the table's WAL apply is suspended or `timeoutMs` passes. */
export async function walApplied(
  config: Pick<Config, "QUESTDB_PG_URL" | "QUESTDB_TABLE">,
  timeoutMs = 30_000,
): Promise<void> {
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  const deadline = Date.now() + timeoutMs;
  const state = async () => {
    const [row] = await sql.unsafe(
      "SELECT writerTxn, sequencerTxn, suspended, errorMessage FROM wal_tables() WHERE name = $1",
      [config.QUESTDB_TABLE],
    );
    return row;
  };
  try {
    const target = Number((await state())?.sequencerTxn ?? 0);
    for (;;) {
      const now = await state();
      if (now === undefined || Number(now.writerTxn) >= target) return;
      if (now.suspended === true)
        throw new ShamdanError("STORE_FAILED", `QuestDB suspended WAL apply: ${String(now.errorMessage)}`);
      if (Date.now() > deadline)
        throw new ShamdanError("STORE_TIMEOUT", `WAL apply not done after ${timeoutMs} ms`);
      await Bun.sleep(10);
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}
