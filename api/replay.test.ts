import { expect, test } from "bun:test";
import { silentLogger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { createApiContext } from "./api-context.ts";
import { Limiter } from "./limiter.ts";
import { Replay } from "./replay.ts";
import { testApp } from "./testing/test-app.ts";

const order = (a: IndicatorRow, b: IndicatorRow) =>
  a.openTime - b.openTime || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);

/** The test app's store, counting the rows each `rows` call returns. */
async function counted() {
  const t = await testApp();
  let fetched = 0;
  let calls = 0;
  const rows = t.store.rows.bind(t.store);
  t.store.rows = async (window, limit) => {
    calls += 1;
    const page = await rows(window, limit);
    fetched += page.length;
    return page;
  };
  const api = createApiContext(t.store, t.config, silentLogger, 0);
  return { t, api, fetched: () => fetched, calls: () => calls };
}

test("a replay from the beginning yields every row of every symbol, in (open time, symbol) order", async () => {
  const { t, api, calls } = await counted();
  const replay = new Replay(api, ["ETHBTC", "XRPETH", "BTCIRT"], 0, 300, new Limiter(2));
  const got: IndicatorRow[] = [];
  for (let row = await replay.next(); row; row = await replay.next()) got.push(row);
  const want = [...t.rows.ETHBTC, ...t.rows.XRPETH].sort(order);
  expect(got.length).toBe(want.length);
  expect(got.map((r) => `${r.openTime}-${r.symbol}`)).toEqual(want.map((r) => `${r.openTime}-${r.symbol}`));
  expect(got.map((r) => r.close)).toEqual(want.map((r) => r.close));
  // 300 rows shared by three symbols: pages of 100, so many short queries rather than one per symbol.
  expect(calls()).toBeGreaterThan(want.length / 100);
});

test("a replay from the middle starts at that open time; a slow consumer holds about one page", async () => {
  const { t, api, fetched } = await counted();
  const from = (t.rows.ETHBTC[9000] as IndicatorRow).openTime;
  const replay = new Replay(api, ["ETHBTC"], from, 200, new Limiter(1));
  const first = await replay.next();
  expect(first?.openTime).toBe(from);
  let consumed = 1;
  for (; consumed < 1000; consumed++) await replay.next();
  // Rows are read from the store only as they are taken: what is held never exceeds one page.
  expect(replay.held).toBeLessThanOrEqual(200);
  expect(fetched()).toBeLessThanOrEqual(consumed + 200);
  let rest = 0;
  while (await replay.next()) rest += 1;
  expect(consumed + rest).toBe(t.rows.ETHBTC.length - 9000);
});

test("the limiter runs at most `max` tasks at once, the others in arrival order", async () => {
  const limiter = new Limiter(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        running += 1;
        most = Math.max(most, running);
        await Bun.sleep(2);
        running -= 1;
      }),
    ),
  );
  expect(most).toBe(2);
  expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
});
