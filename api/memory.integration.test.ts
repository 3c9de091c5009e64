/**
 * The API's memory stays bounded under a hostile request mix, measured on the real thing: the API runs
 * as a child process (`bun cli/main.ts api`) over ~50k rows in the real QuestDB (a table of its own,
 * polling the store instead of Kafka), while this test fires 400 distinct heavy candle reads (8 at a
 * time, every window different so the answer cache never hits) and 40 streams that replay from the
 * very beginning (`Last-Event-ID: 0-<SYMBOL>`): some read everything, some read slowly on a paused
 * socket, some hang up mid-way. The child's RSS is sampled every 100 ms (and its kernel high-water
 * mark read at the end); every answer must be a 200 or a clean JSON error, and every fully read
 * replay must deliver every stored row after its Last-Event-ID, in order, with no gap.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QuestDbStore } from "@shamdan/shared/adapters/questdb/questdb-store";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { recordedRows } from "@shamdan/shared/testing/recordings";
import { walApplied } from "@shamdan/shared/testing/wal-applied";
import postgres from "postgres";
import { type RowEvent, readRows, slowReader } from "./testing/sse-client.ts";

setDefaultTimeout(180_000);

const ROOT = join(import.meta.dir, "..");
const SYMBOLS = ["MEMA", "MEMB", "MEMC", "MEMD"];
const ROWS_PER_SYMBOL = 12_500;
const READS = 400;
const READ_CONCURRENCY = 8;
const STREAM_CAP = 40;
const RSS_LIMIT_MB = 300;
const CACHE_BYTES = 32 * 1024 * 1024;

const table = uniqueName("api_mem");
const config = testConfig({ STORE: "questdb", QUESTDB_TABLE: table, SYMBOLS: SYMBOLS.join(",") });
const base = recordedRows("ETHBTC.udf.json", "X", { count: ROWS_PER_SYMBOL });
const rowsOf = new Map(SYMBOLS.map((symbol) => [symbol, base.map((row) => ({ ...row, symbol }))]));
/** Every stored row in the stream's order: open time, then symbol. */
const allRows: IndicatorRow[] = [...rowsOf.values()]
  .flat()
  .sort((a, b) => a.openTime - b.openTime || a.symbol.localeCompare(b.symbol));
const idOf = (row: IndicatorRow) => `${row.openTime}-${row.symbol}`;

let store: QuestDbStore;
let child: ReturnType<typeof Bun.spawn> | undefined;
let url = "";
let port = 0;
const logTail: string[] = [];

/** Resident set size of a process, in MB, from /proc (`field`: VmRSS now, VmHWM the peak so far). */
function memoryMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
  return Number(kb) / 1024;
}

async function drainLog(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut = buffer.indexOf("\n");
    while (cut >= 0) {
      onLine(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 1);
      cut = buffer.indexOf("\n");
    }
  }
}

beforeAll(async () => {
  await requireInfra(config);
  store = new QuestDbStore(config);
  await store.init();
  for (const rows of rowsOf.values()) await store.write(rows);
  await walApplied(config, 60_000);
  const counted = (await store.symbols()).reduce((n, s) => n + s.rows, 0);
  expect(counted).toBe(allRows.length);

  child = Bun.spawn(
    [process.execPath, "cli/main.ts", "api", "--port", "0", "--host", "127.0.0.1", "--no-live"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        BUS: "memory",
        STORE: "questdb",
        QUESTDB_TABLE: table,
        SYMBOLS: SYMBOLS.join(","),
        API_MAX_STREAMS: String(STREAM_CAP),
        API_CACHE_MAX_BYTES: String(CACHE_BYTES),
        LOG_LEVEL: "info",
      },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  const listening = new Promise<string>((resolve) => {
    void drainLog(child?.stderr as ReadableStream<Uint8Array>, (line) => {
      logTail.push(line);
      if (logTail.length > 200) logTail.shift();
      if (line.includes('"api listening"')) resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  url = await waitFor(
    "the api child to listen",
    () => Promise.race([listening, Bun.sleep(100).then(() => undefined)]),
    30_000,
  );
  port = Number(new URL(url).port);
  await waitFor("the api child to be ready", async () => {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  });
}, 120_000);

afterAll(async () => {
  // A child that died on its own is a failure to explain: its last log lines say why.
  if (child && child.exitCode !== null)
    console.error(`api child exited with ${child.exitCode}:\n${logTail.slice(-30).join("\n")}`);
  if (child) {
    child.kill("SIGTERM");
    await Promise.race([child.exited, Bun.sleep(10_000)]);
    child.kill("SIGKILL");
  }
  await store?.close();
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
  await sql.end({ timeout: 1 });
});

/** A gauge's value from the child's /metrics. */
async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/**
 * A 200 must be the full page; anything else must be a 4xx or 503 with a JSON error body. Reads
 * alternate 10,000-candle pages (too big for the cache to keep) and 1,500-candle ones (kept, so the
 * flood of distinct answers runs into the cache's byte budget).
 */
async function heavyRead(i: number): Promise<{ status: number; problem?: string }> {
  const symbol = SYMBOLS[i % SYMBOLS.length] as string;
  const limit = i % 2 === 0 ? 10_000 : 1500;
  // Distinct windows: each read starts a minute later than the previous one of its symbol.
  const fromMs = (base[0] as IndicatorRow).openTime + Math.floor(i / SYMBOLS.length) * 60_000;
  const from = fromMs / 1000;
  const to = from + 11_000 * 60;
  const res = await fetch(
    `${url}/api/candles?symbol=${symbol}&from=${from}&to=${to}&interval=1m&limit=${limit}`,
  );
  const type = res.headers.get("content-type") ?? "";
  const body = (await res.json().catch(() => undefined)) as
    | { candles?: { open_time: number }[]; error?: unknown }
    | undefined;
  if (res.status === 200) {
    // A full page of ascending candles inside the window. (Which minute it starts at is the store's
    // business, checked by the store's own tests; here it is the API's answer that matters.)
    const times = (body?.candles ?? []).map((candle) => candle.open_time);
    const inOrder = times.every(
      (t, k) => t >= fromMs && t < to * 1000 && (k === 0 || t > (times[k - 1] as number)),
    );
    if (times.length !== limit || !inOrder)
      return {
        status: 200,
        problem: `read ${i}: ${times.length} candles (wanted ${limit}), in order: ${inOrder}`,
      };
    return { status: 200 };
  }
  const clean =
    (res.status === 503 || (res.status >= 400 && res.status < 500)) &&
    type.includes("application/json") &&
    typeof body?.error === "string";
  return { status: res.status, ...(clean ? {} : { problem: `read ${i}: ${res.status} ${type}` }) };
}

/** The first place where the ids read differ from the expected rows, or undefined when they match. */
function firstMismatch(got: readonly RowEvent[], want: readonly IndicatorRow[]): string | undefined {
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = got[i];
    const w = want[i];
    if (!g || !w || g.id !== idOf(w) || g.close !== w.close)
      return `at ${i} of ${want.length}: got ${g?.id ?? "nothing"} (close ${g?.close}), want ${w ? idOf(w) : "nothing"}`;
  }
  return undefined;
}

interface FullRead {
  symbol?: string;
  after: IndicatorRow | { openTime: 0; symbol: string };
}

async function fullReplay(spec: FullRead): Promise<string | undefined> {
  const lastEventId = `${spec.after.openTime}-${spec.after.symbol}`;
  const want = allRows.filter(
    (row) =>
      (spec.symbol === undefined || row.symbol === spec.symbol) &&
      row.openTime >= spec.after.openTime &&
      idOf(row) !== lastEventId,
  );
  const path = `/api/signals/stream${spec.symbol ? `?symbol=${spec.symbol}` : ""}`;
  const read = await readRows(
    `${url}${path}`,
    { "last-event-id": lastEventId },
    (rows) => rows.length >= want.length,
    150_000,
  );
  if (read.status !== 200)
    return `${path} after ${lastEventId}: status ${read.status} ${JSON.stringify(read.body)}`;
  const mismatch = firstMismatch(read.rows, want);
  return mismatch && `${path} after ${lastEventId} (${read.ended}): ${mismatch}`;
}

test("400 heavy reads and 40 replaying streams keep the API's RSS bounded; every replay is complete", async () => {
  const pid = child?.pid as number;
  const baseline = memoryMb(pid, "VmRSS");
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryMb(pid, "VmRSS"));
  }, 100);
  let cachePeak = 0;
  const cacheSampler = setInterval(async () => {
    cachePeak = Math.max(cachePeak, (await metric("shamdan_api_cache_bytes").catch(() => 0)) ?? 0);
  }, 250);
  const started = performance.now();

  const mid = allRows[Math.floor(allRows.length / 2)] as IndicatorRow;
  const midOf = (rowsOf.get("MEMC") as IndicatorRow[])[6000] as IndicatorRow;
  const full: FullRead[] = [
    ...SYMBOLS.flatMap((symbol) =>
      [0, 1, 2].map(() => ({ symbol, after: { openTime: 0 as const, symbol } })),
    ),
    ...SYMBOLS.map((symbol) => ({ after: { openTime: 0 as const, symbol } })),
    { after: mid },
    { symbol: "MEMC", after: midOf },
  ];
  const slow = Array.from({ length: 12 }, (_, i) =>
    slowReader(
      port,
      "/api/signals/stream",
      { "Last-Event-ID": `0-${SYMBOLS[i % SYMBOLS.length]}` },
      { readBytes: 64 * 1024, pauseMs: 1500, rounds: 6 },
    ),
  );
  const abandoned = Array.from({ length: 10 }, (_, i) => {
    const symbol = SYMBOLS[i % SYMBOLS.length] as string;
    return readRows(
      `${url}/api/signals/stream${i % 2 === 0 ? "" : `?symbol=${symbol}`}`,
      { "last-event-id": `0-${symbol}` },
      (rows) => rows.length >= 2000,
      60_000,
    );
  });
  expect(full.length + slow.length + abandoned.length).toBe(STREAM_CAP);

  const [reads, replays, slowDone, abandonedDone] = await Promise.all([
    pool(READS, READ_CONCURRENCY, heavyRead),
    Promise.all(full.map(fullReplay)),
    Promise.all(slow),
    Promise.all(abandoned),
  ]);
  clearInterval(sampler);
  clearInterval(cacheSampler);
  const hwm = memoryMb(pid, "VmHWM");
  const statuses: Record<number, number> = {};
  for (const r of reads) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  console.log(
    `api child RSS: baseline ${baseline.toFixed(0)} MB, sampled peak ${peak.toFixed(0)} MB, kernel high-water ` +
      `${hwm.toFixed(0)} MB; answer cache peak ${(cachePeak / 2 ** 20).toFixed(1)} MiB; ` +
      `reads by status ${JSON.stringify(statuses)}; ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  expect(reads.flatMap((r) => (r.problem ? [r.problem] : []))).toEqual([]);
  expect(statuses[200] ?? 0).toBeGreaterThan(0);
  expect(replays.filter((problem) => problem !== undefined)).toEqual([]);
  // Slow readers got their six rounds: paused sockets were neither cut nor refused.
  for (const s of slowDone)
    expect({ status: s.statusLine, all: s.bytes >= 6 * 64 * 1024 }).toEqual({
      status: "HTTP/1.1 200 OK",
      all: true,
    });
  for (const a of abandonedDone)
    expect({ status: a.status, enough: a.rows.length >= 2000 }).toEqual({ status: 200, enough: true });
  expect(cachePeak).toBeGreaterThan(0);
  expect(cachePeak).toBeLessThanOrEqual(CACHE_BYTES);
  if (Math.max(peak, hwm) >= RSS_LIMIT_MB) console.log(logTail.slice(-20).join("\n"));
  expect(Math.max(peak, hwm)).toBeLessThan(RSS_LIMIT_MB);
});

test("every stream of the load released its slot; past API_MAX_STREAMS a stream is a 503 with Retry-After", async () => {
  await waitFor(
    "streams of the load to close",
    async () => ((await metric("shamdan_api_streams_open")) === 0 ? true : undefined),
    30_000,
  );
  // The responses are kept, not only their aborters: a response collected as garbage closes its
  // connection, which would free a slot behind the test's back.
  const open: { abort: AbortController; res: Response }[] = [];
  const openStream = async () => {
    const abort = new AbortController();
    const res = await fetch(`${url}/api/signals/stream`, { signal: abort.signal });
    if (res.status === 200) open.push({ abort, res });
    return res;
  };
  try {
    for (let i = 0; i < STREAM_CAP; i++) expect((await openStream()).status).toBe(200);
    const refused = await openStream();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("content-type")).toContain("application/json");
    expect(await refused.json()).toEqual({
      error: "too_many_streams",
      message: `this instance already serves ${STREAM_CAP} streams; retry later`,
    });
    // Other requests are not affected by the cap.
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    open.pop()?.abort.abort();
    const again = await waitFor("a freed slot", async () => {
      const res = await openStream();
      if (res.status === 200) return res;
      await res.body?.cancel();
      return undefined;
    });
    expect(again.status).toBe(200);
  } finally {
    for (const stream of open) stream.abort.abort();
  }
});
