/**
 * How IlpWriter reports QuestDB's answers, against a local HTTP server that answers like QuestDB's
 * ILP endpoint (/settings, /ping, /write) with whatever status and body a test picks. The real
 * QuestDB's answers are in sink/sink.integration.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { IndicatorRow } from "../../core/messages.ts";
import { testRow } from "../../testing/rows.ts";
import { type ColumnNames, columnNames } from "../store-columns.ts";
import { IlpWriter, ilpConfForBatches } from "./ilp-writer.ts";

const cols: ColumnNames = columnNames({ SMA_PERIOD: 5, EMA_PERIOD: 10, RSI_PERIOD: 10 });
const row: IndicatorRow = testRow({ openTime: 1_764_000_000_000 });

/** A fake QuestDB: answers each /write with the next of `answers` (then 204), records requests. */
function fakeQuestDb(answers: { status: number; body?: string }[]) {
  const seen = { writes: 0, pings: 0, auth: [] as (string | null)[] };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const path = new URL(request.url).pathname;
      seen.auth.push(request.headers.get("authorization"));
      if (path === "/settings") return Response.json({ config: { "line.proto.support.versions": [1, 2] } });
      if (path === "/ping") {
        seen.pings++;
        return new Response(null, { status: 204 });
      }
      seen.writes++;
      await request.arrayBuffer();
      const answer = answers.shift() ?? { status: 204 };
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

const writer = (conf: string) => {
  const w = new IlpWriter(conf, "t", cols);
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
