/**
 * How IlpWriter reports QuestDB's answers, against a local HTTP server that answers like QuestDB's
 * ILP endpoint (/settings, /ping, /write) with whatever status and body a test picks. The real
 * QuestDB's answers are in sink/sink.integration.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { IndicatorRow } from "../../core/messages.ts";
import { testRow } from "../../testing/rows.ts";
import { type ColumnNames, columnNames } from "../store-columns.ts";
import { IlpWriter, ilpConfForBatches, SHARE_ROWS } from "./ilp-writer.ts";

const cols: ColumnNames = columnNames({ SMA_PERIOD: 5, EMA_PERIOD: 10, RSI_PERIOD: 10 });
const row: IndicatorRow = testRow({ openTime: 1_764_000_000_000 });

type Answer = { status: number; body?: string };

/**
 * A fake QuestDB: answers each /write with `answerFor(body)` when that gives one, else with the next
 * of `answers` (then 204); records requests and each write's ILP lines. `textOnly` offers only ILP's
 * text protocol (version 1), whose lines a test can read.
 */
function fakeQuestDb(
  answers: Answer[],
  options: { textOnly?: boolean; answerFor?: (body: string) => Answer | undefined } = {},
) {
  const seen = { writes: 0, pings: 0, auth: [] as (string | null)[], lines: [] as string[][] };
  const versions = options.textOnly ? [1] : [1, 2];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const path = new URL(request.url).pathname;
      seen.auth.push(request.headers.get("authorization"));
      if (path === "/settings") return Response.json({ config: { "line.proto.support.versions": versions } });
      if (path === "/ping") {
        seen.pings++;
        return new Response(null, { status: 204 });
      }
      seen.writes++;
      const body = await request.text();
      seen.lines.push(body.split("\n").filter((line) => line.length > 0));
      const answer = options.answerFor?.(body) ?? answers.shift() ?? { status: 204 };
      return new Response(answer.status === 204 ? null : (answer.body ?? ""), {
        status: answer.status,
        headers: { "content-type": "application/json" },
      });
    },
  });
  servers.push(server);
  return { seen, conf: `http::addr=127.0.0.1:${server.port};` };
}

const servers: ReturnType<typeof Bun.serve>[] = [];
const writers: IlpWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
  for (const s of servers.splice(0)) s.stop(true);
});

const writer = (conf: string, threads = 1) => {
  const w = new IlpWriter(conf, "t", cols, threads);
  writers.push(w);
  return w;
};
const failure = (work: Promise<unknown>) =>
  work.then(
    () => undefined,
    (e: unknown) => e as Error & { code: string; canRetry: boolean },
  );
const questDbError = (message: string) =>
  JSON.stringify({ code: "invalid", message, line: 1, errorId: "x-1" });

describe("ilpConfForBatches", () => {
  test("turns auto-flush off and the client's own retries off unless the configuration sets them", () => {
    expect(ilpConfForBatches("http::addr=h:9000;")).toBe(
      "http::addr=h:9000;stdlib_http=on;auto_flush=off;retry_timeout=0;",
    );
    expect(ilpConfForBatches("http::addr=h:9000;retry_timeout=500;auto_flush_rows=5;")).toBe(
      "http::addr=h:9000;retry_timeout=500;stdlib_http=on;auto_flush=off;",
    );
    expect(ilpConfForBatches("tcp::addr=h:9009;")).toBe("tcp::addr=h:9009;auto_flush=off;");
  });
});

describe("IlpWriter", () => {
  test("HTTP 400: STORE_REJECTED, not retryable, with QuestDB's reason", async () => {
    const { conf, seen } = fakeQuestDb([
      { status: 400, body: "" },
      { status: 400, body: questDbError("cast error from protocol type: FLOAT to column type: INT") },
    ]);
    const error = await failure(writer(conf).write([row]));
    expect(error).toMatchObject({ code: "STORE_REJECTED", canRetry: false });
    expect(error?.message).toBe(
      "QuestDB rejected the rows (HTTP 400): cast error from protocol type: FLOAT to column type: INT (line 1)",
    );
    // The failed request, then the one that reads the reason.
    expect(seen.writes).toBe(2);
  });

  test("HTTP 500: STORE_SERVER_ERROR with the reason, after one request and the one reading the reason (no client retries)", async () => {
    const reason = "designated timestamp beyond 9999-12-31 is not allowed";
    const { conf, seen } = fakeQuestDb([
      { status: 500, body: questDbError(reason) },
      { status: 500, body: questDbError(reason) },
    ]);
    const error = await failure(writer(conf).write([row]));
    expect(error).toMatchObject({ code: "STORE_SERVER_ERROR", canRetry: true });
    expect(error?.message).toContain(reason);
    // Without retry_timeout=0 the client would have sent it again and again for 10 s.
    expect(seen.writes).toBe(2);
  });

  test("an HTTP 500 that does not repeat: the second request writes the rows", async () => {
    const { conf, seen } = fakeQuestDb([{ status: 500, body: "busy" }]);
    await writer(conf).write([row]);
    expect(seen.writes).toBe(2);
  });

  test("401, 403, 404, 429 are about the request, not the rows: STORE_UNAVAILABLE", async () => {
    for (const status of [401, 403, 404, 429]) {
      const { conf } = fakeQuestDb([
        { status, body: "no" },
        { status, body: "no" },
      ]);
      expect(await failure(writer(conf).write([row]))).toMatchObject({
        code: "STORE_UNAVAILABLE",
        canRetry: true,
      });
    }
  });

  test("nothing listening: STORE_UNAVAILABLE for writes and ping", async () => {
    const { conf } = fakeQuestDb([]);
    servers.pop()?.stop(true);
    const w = writer(conf);
    expect(await failure(w.write([row]))).toMatchObject({ code: "STORE_UNAVAILABLE", canRetry: true });
    expect(await failure(w.ping())).toMatchObject({ code: "STORE_UNAVAILABLE", canRetry: true });
  });

  test("ping asks /ping with the configured credentials", async () => {
    const { conf, seen } = fakeQuestDb([]);
    await writer(`${conf}username=admin;password=quest;`).ping();
    expect(seen.pings).toBe(1);
    expect(seen.auth).toEqual([`Basic ${Buffer.from("admin:quest").toString("base64")}`]);
  });
});

describe("IlpWriter sharing a large write among threads", () => {
  const rowsFrom = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      testRow({ openTime: 1_764_000_000_000 + i * 60_000, close: 1 + i }),
    );
  const timesOf = (lines: string[]) => lines.map((line) => line.slice(line.lastIndexOf(" ") + 1));

  test("rows enough for three shares go out as three requests that hold every row once", async () => {
    const { seen, conf } = fakeQuestDb([], { textOnly: true });
    const rows = rowsFrom(3 * SHARE_ROWS + 5);
    await writer(conf, 3).write(rows);
    expect(seen.lines).toHaveLength(3);
    const sent = seen.lines.flatMap(timesOf).sort();
    expect(sent).toEqual(rows.map((r) => `${r.openTime}000000`).sort());
  });

  test("fewer rows than two shares, or one thread: one request", async () => {
    const few = fakeQuestDb([], { textOnly: true });
    await writer(few.conf, 3).write(rowsFrom(2 * SHARE_ROWS - 1));
    expect(few.seen.writes).toBe(1);
    const single = fakeQuestDb([], { textOnly: true });
    await writer(single.conf, 1).write(rowsFrom(3 * SHARE_ROWS));
    expect(single.seen.writes).toBe(1);
  });

  test("a share refused on a worker fails the write with QuestDB's reason, and the writer goes on", async () => {
    const rows = rowsFrom(2 * SHARE_ROWS);
    // The last row is in the worker's share.
    const refused = `close=${rows.length},`;
    const { seen, conf } = fakeQuestDb([], {
      textOnly: true,
      answerFor: (body) =>
        body.includes(refused)
          ? { status: 400, body: questDbError("cast error for line protocol float") }
          : undefined,
    });
    const w = writer(conf, 2);
    expect(await failure(w.write(rows))).toMatchObject({ code: "STORE_REJECTED", canRetry: false });
    expect(String(await failure(w.write(rows)))).toContain("cast error for line protocol float");
    await w.write(rows.slice(0, SHARE_ROWS));
    expect(seen.writes).toBeGreaterThanOrEqual(5);
  });
});
