import { describe, expect, test } from "bun:test";
import { ShamdanError } from "@shamdan/shared/core/errors";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { mulberry32 } from "@shamdan/shared/core/prng";
import type { StoreWriter } from "@shamdan/shared/core/store";
import { testRow } from "@shamdan/shared/testing/rows";
import { type IsolatingOptions, writeIsolating } from "./write-isolating.ts";

const row = (minute: number): IndicatorRow => testRow({ openTime: 1_700_000_000_000 + minute * 60_000 });

interface Item {
  row: IndicatorRow;
  id: number;
}
const items = (n: number): Item[] => Array.from({ length: n }, (_, id) => ({ row: row(id), id }));

/**
 * A store that refuses, like QuestDB, a whole write if any of its rows is bad (all or none), with the
 * given code and a reason naming the first bad row; `down` makes every write and ping fail as if
 * unreachable. Records what it stored and every write it was asked for.
 */
function refusingStore(
  bad: (minute: number) => boolean,
  code: "STORE_REJECTED" | "STORE_SERVER_ERROR" = "STORE_REJECTED",
) {
  const minuteOf = (r: IndicatorRow) => (r.openTime - 1_700_000_000_000) / 60_000;
  const store = {
    stored: new Set<number>(),
    writes: 0,
    pings: 0,
    down: false,
    /** Server errors still to answer for the next writes, whatever the rows (passing trouble). */
    transient: 0,
    init: async () => {},
    close: async () => {},
    async write(rows: readonly IndicatorRow[]) {
      store.writes++;
      if (store.down) throw new ShamdanError("STORE_UNAVAILABLE", "connect ECONNREFUSED 127.0.0.1:9000");
      if (store.transient > 0) {
        store.transient--;
        throw new ShamdanError("STORE_SERVER_ERROR", "QuestDB failed the write (HTTP 500): busy");
      }
      const first = rows.map(minuteOf).find(bad);
      if (first !== undefined)
        throw new ShamdanError(code, `row ${first} refused: designated timestamp beyond 9999-12-31`);
      for (const r of rows) store.stored.add(minuteOf(r));
    },
    async pingWrites() {
      store.pings++;
      if (store.down) throw new ShamdanError("STORE_UNAVAILABLE", "ping refused");
    },
  } satisfies StoreWriter & Record<string, unknown>;
  return store;
}

const options = (store: StoreWriter, over: Partial<IsolatingOptions<Item>> = {}): IsolatingOptions<Item> => ({
  store,
  rowOf: (item) => item.row,
  retry: { baseMs: 1, maxMs: 4 },
  shouldContinue: () => true,
  heartbeat: async () => {},
  ...over,
});

describe("writeIsolating", () => {
  test("a batch the store takes is one write, nothing refused", async () => {
    const store = refusingStore(() => false);
    const result = await writeIsolating(items(100), options(store));
    expect(result).toEqual({ refused: [], writes: 1 });
    expect(store.stored.size).toBe(100);
  });

  test("isolates exactly the refused rows, writes every other, in O(k log n) writes (random batches)", async () => {
    const rnd = mulberry32(2026_12_01);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rnd() * 300);
      const k = Math.min(n, Math.floor(rnd() * 5));
      const bad = new Set<number>();
      while (bad.size < k) bad.add(Math.floor(rnd() * n));
      const code = rnd() < 0.5 ? "STORE_REJECTED" : "STORE_SERVER_ERROR";
      const store = refusingStore((m) => bad.has(m), code);
      const result = await writeIsolating(items(n), options(store));

      expect(result.refused.map((r) => r.item.id)).toEqual([...bad].sort((a, b) => a - b));
      for (const r of result.refused)
        expect(r.reason).toContain(`row ${r.item.id} refused: designated timestamp`);
      expect([...store.stored].sort((a, b) => a - b)).toEqual(
        items(n)
          .map((i) => i.id)
          .filter((id) => !bad.has(id)),
      );
      // Each bad row costs at most two writes per level (log2 n levels), plus, for a server error, the
      // repeat that confirms it alone.
      const levels = Math.ceil(Math.log2(Math.max(2, n)));
      const bound = 1 + k * (2 * levels + (code === "STORE_SERVER_ERROR" ? 1 : 0));
      expect(result.writes).toBeLessThanOrEqual(bound);
      expect(store.writes).toBe(result.writes);
    }
  });

  test("1024 rows with one refused: at most 21 writes (1 + 2 per level), not 1024", async () => {
    for (const position of [0, 700, 1023]) {
      const store = refusingStore((m) => m === position);
      const result = await writeIsolating(items(1024), options(store));
      expect(result.refused.map((r) => r.item.id)).toEqual([position]);
      expect(store.stored.size).toBe(1023);
      // Per level: the left half, and the right half only when the left one failed. 0 is the worst case.
      expect(result.writes).toBeLessThanOrEqual(21);
    }
  });

  test("a server error that does not repeat for the row alone refuses nothing", async () => {
    const store = refusingStore(() => false, "STORE_SERVER_ERROR");
    store.transient = 1;
    const result = await writeIsolating(items(8), options(store));
    expect(result.refused).toEqual([]);
    expect(store.stored.size).toBe(8);
    expect(store.pings).toBe(1);
  });

  test("a server error while the health check fails is an outage: same rows retried, nothing refused", async () => {
    const store = refusingStore(() => false, "STORE_SERVER_ERROR");
    store.transient = Number.MAX_SAFE_INTEGER;
    store.down = false;
    const outages: unknown[] = [];
    let answers = 0;
    // Server errors and a failing /ping: QuestDB is in trouble; it recovers after 5 outage retries.
    store.pingWrites = async () => {
      store.pings++;
      if (outages.length >= 5) store.transient = 0;
      throw new ShamdanError("STORE_UNAVAILABLE", "ping: HTTP 503");
    };
    const result = await writeIsolating(
      items(10),
      options(store, { onOutage: (e) => outages.push(e), onAnswer: () => answers++ }),
    );
    expect(result).toEqual({ refused: [], writes: 1 });
    expect(outages).toHaveLength(6);
    expect(store.stored.size).toBe(10);
    expect(answers).toBe(1);
  });

  test("an outage in the middle of a bisection waits, then the bisection goes on", async () => {
    const store = refusingStore((m) => m === 3);
    const original = store.write;
    let calls = 0;
    store.write = async (rows) => {
      calls++;
      // Writes 3..6 find the store unreachable (the second level of the bisection).
      store.down = calls >= 3 && calls <= 6;
      return original(rows);
    };
    const outages: unknown[] = [];
    const result = await writeIsolating(items(16), options(store, { onOutage: (e) => outages.push(e) }));
    expect(result.refused.map((r) => r.item.id)).toEqual([3]);
    expect(store.stored.size).toBe(15);
    expect(outages).toHaveLength(4);
  });

  test("abandoned while the store is down: throws the last error, refuses and writes nothing", async () => {
    const store = refusingStore(() => false);
    store.down = true;
    let running = true;
    const work = writeIsolating(
      items(4),
      options(store, {
        shouldContinue: () => running,
        onOutage: (_e, attempt) => {
          if (attempt === 3) running = false;
        },
      }),
    );
    await expect(work).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(store.stored.size).toBe(0);
  });

  test("heart-beats while a write is in flight, so a slow store cannot expire the session", async () => {
    let beats = 0;
    const store: StoreWriter = {
      init: async () => {},
      close: async () => {},
      // Answers only once it saw three heartbeats: without them the test times out.
      write: async () => {
        while (beats < 3) await Bun.sleep(10);
      },
    };
    const result = await writeIsolating(
      items(3),
      options(store, { heartbeatEveryMs: 20, heartbeat: async () => void beats++ }),
    );
    expect(result.refused).toEqual([]);
    expect(beats).toBeGreaterThanOrEqual(3);
  });
});
