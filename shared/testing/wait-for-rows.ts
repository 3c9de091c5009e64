/**
 * Waits until a window holds what the caller expects. QuestDB makes acknowledged writes visible
 * asynchronously (WAL apply), so tests and tools poll the port instead of sleeping; on SQLite the
 * first check already succeeds.
 */
import type { IndicatorRow } from "../core/messages.ts";
import type { Store, TimeWindow } from "../core/store.ts";

export async function waitForRows(
  store: Pick<Store, "rows">,
  window: TimeWindow,
  done: (rows: IndicatorRow[]) => boolean,
  options: { timeoutMs?: number; limit?: number } = {},
): Promise<IndicatorRow[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: IndicatorRow[] = [];
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await store.rows(window, options.limit ?? 1_000_000);
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await Bun.sleep(50);
  }
  throw new Error(
    `timed out waiting for rows of ${window.symbol} (last saw ${last.length})` +
      (lastError ? `: ${String(lastError)}` : ""),
    { cause: lastError },
  );
}
