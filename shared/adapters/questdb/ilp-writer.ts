/**
 * Writes IndicatorRows to QuestDB over ILP/HTTP with @questdb/nodejs-client. A `write` resolves once
 * QuestDB acknowledged every row. Up to SHARE_ROWS x 2 rows it is one HTTP request = one server-side
 * transaction. A larger write, with `threads` > 1 (QUESTDB_WRITE_THREADS), is cut into contiguous
 * shares of at least SHARE_ROWS, one per thread, written at the same time (this thread and workers,
 * ilp-write-pool.ts), each share its own request and transaction, so that a backlog's rows are
 * encoded on more than one core (off by default: with the patched client one thread is as fast on two
 * cores, sink/README.md). If any share fails, the write fails with that share's error (the first in
 * row order) and the caller retries the whole write; shares already written are written again, which
 * the table's dedup keys turn into upserts. On any failure the sender is dropped and recreated on the
 * next call, so a retry never sends a leftover half-buffer.
 *
 * Failures are told apart for the caller (the sink decides what to do with each, sink/README.md):
 * - no HTTP answer (refused, reset, timed out): STORE_UNAVAILABLE, canRetry;
 * - HTTP 4xx: STORE_REJECTED, not retryable: QuestDB refuses these rows and would refuse them again
 *   (except 401, 403, 404, 405, 407, 408, 429, about the request and not its rows: STORE_UNAVAILABLE);
 * - HTTP 5xx: STORE_SERVER_ERROR, canRetry: either QuestDB is in trouble or it failed on these rows
 *   (an open time past 9999-12-31 is a 500); `ping()` helps to tell which.
 * The messages carry QuestDB's own error text (see `resend`).
 */
import { readFileSync } from "node:fs";
import { Sender } from "@questdb/nodejs-client";
import { ShamdanError } from "../../core/errors.ts";
import type { IndicatorRow } from "../../core/messages.ts";
import { portAnswers } from "../../core/port-answers.ts";
import { NUMERIC_FIELDS } from "../../core/store.ts";
import type { ColumnNames } from "../store-columns.ts";
import { IlpWritePool } from "./ilp-write-pool.ts";
import { ilpConfForBun } from "./questdb-conf.ts";

/** The smallest share of a write given to a thread of its own: below it a second request costs more than it saves. */
export const SHARE_ROWS = 2_000;

/**
 * Auto-flush would split a large batch into several transactions (default every 75,000 rows), so a
 * failure could leave half a batch written: we turn it off and flush once per `write`. Over HTTP the
 * client would also retry a 5xx by itself for 10 s (`retry_timeout`) before it answers: that hides a
 * refused row behind 10 s of silence per attempt, longer than a consumer-group session lasts without
 * a heartbeat. The caller retries with backoff instead, so it is 0 unless the configuration sets it.
 */
export function ilpConfForBatches(conf: string): string {
  const base = ilpConfForBun(conf)
    .split(";")
    .filter((part) => part.length > 0 && !part.startsWith("auto_flush"))
    .join(";");
  const noRetry = conf.startsWith("http") && !/(^|;)retry_timeout=/.test(base) ? "retry_timeout=0;" : "";
  return `${base};auto_flush=off;${noRetry}`;
}

/** Where the ILP configuration string points, for the requests this writer makes itself. */
interface Endpoint {
  http: boolean;
  host: string;
  port: number;
  base: string;
  headers: Record<string, string>;
  timeoutMs: number;
  tls: { rejectUnauthorized?: boolean; ca?: string } | undefined;
}

function endpointOf(conf: string): Endpoint {
  const at = conf.indexOf("::");
  const protocol = at < 0 ? "http" : conf.slice(0, at);
  const params = new Map<string, string>();
  for (const part of conf.slice(at + 2).split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const http = protocol.startsWith("http");
  const [host = "127.0.0.1", port] = (params.get("addr") ?? "").split(":");
  const headers: Record<string, string> = {};
  const [user, password, token] = [params.get("username"), params.get("password"), params.get("token")];
  if (http && token) headers.authorization = `Bearer ${token}`;
  else if (http && user && password)
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const secure = protocol === "https" || protocol === "tcps";
  const ca = params.get("tls_ca");
  return {
    http,
    host,
    port: Number(port || (http ? 9000 : 9009)),
    base: `${secure ? "https" : "http"}://${host}:${port || 9000}`,
    headers,
    timeoutMs: Number(params.get("request_timeout") ?? 10_000),
    tls: secure
      ? {
          rejectUnauthorized: params.get("tls_verify") !== "unsafe_off",
          ca: ca ? readFileSync(ca, "utf8") : undefined,
        }
      : undefined,
  };
}

/** The encoded request body; not in the client's typings (4.2.0), hence optional. */
type SenderBuffer = { buffer?: { toBufferNew?: () => Buffer | null } };

export class IlpWriter {
  private sender: Sender | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly endpoint: Endpoint;
  private readonly pool: IlpWritePool | undefined;

  constructor(
    private readonly conf: string,
    private readonly table: string,
    private readonly cols: ColumnNames,
    /** Threads a large write is shared among, this one included (see the header). */
    threads = 1,
  ) {
    this.endpoint = endpointOf(ilpConfForBun(conf));
    this.pool = threads > 1 ? new IlpWritePool(threads - 1, { conf, table, cols }) : undefined;
  }

  write(rows: readonly IndicatorRow[]): Promise<void> {
    const pool = this.pool;
    const shares = pool ? Math.min(1 + pool.size, Math.floor(rows.length / SHARE_ROWS)) : 1;
    if (pool === undefined || shares <= 1) return this.writeHere(rows);
    const size = Math.ceil(rows.length / shares);
    const writes = [this.writeHere(rows.slice(0, size))];
    for (let share = 1; share < shares; share++)
      writes.push(pool.write(share - 1, rows.slice(share * size, (share + 1) * size)));
    return firstFailure(writes);
  }

  /** Calls are serialized: two batches never share the sender's one buffer. */
  private writeHere(rows: readonly IndicatorRow[]): Promise<void> {
    const next = this.queue.then(() => this.writeNow(rows));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Throws STORE_UNAVAILABLE unless QuestDB's ILP endpoint answers a health check now: HTTP `/ping`
   * (204) through the same address the writes use, or for ILP over TCP a TCP connection.
   */
  async ping(): Promise<void> {
    const { http, host, port, base, headers, timeoutMs, tls } = this.endpoint;
    if (!http) {
      if (await portAnswers(host, port, timeoutMs)) return;
      throw new ShamdanError(
        "STORE_UNAVAILABLE",
        `QuestDB ILP at ${host}:${port} does not accept connections`,
      );
    }
    let status: number;
    try {
      const response = await fetch(`${base}/ping`, { headers, signal: AbortSignal.timeout(timeoutMs), tls });
      status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      throw unavailable(error);
    }
    if (status >= 300) throw new ShamdanError("STORE_UNAVAILABLE", `QuestDB /ping answered HTTP ${status}`);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.pool?.close();
    await this.drop();
  }

  private async writeNow(rows: readonly IndicatorRow[]): Promise<void> {
    if (rows.length === 0) return;
    let failure: unknown;
    try {
      this.sender ??= await Sender.fromConfig(ilpConfForBatches(this.conf));
      const sender = this.sender;
      sender.reset();
      await this.encode(sender, rows);
      await sender.flush();
      return;
    } catch (error) {
      failure = error;
      await this.drop();
    }
    if (statusOf(failure) === undefined || !this.endpoint.http) throw unavailable(failure);
    await this.resend(rows, failure);
  }

  private async encode(sender: Sender, rows: readonly IndicatorRow[]): Promise<void> {
    for (const r of rows) {
      sender.table(this.table).symbol("stock_symbol", r.symbol).symbol("signal", r.signal);
      for (const field of NUMERIC_FIELDS) {
        const value = r[field];
        // Omitted => NULL in QuestDB. Writing 0 for "undefined" was the original system's bug.
        if (value !== null) sender.floatColumn(this.cols[field], value);
      }
      sender.booleanColumn("signal_changed", r.signalChanged);
      await sender.at(r.openTime, "ms");
    }
  }

  /**
   * QuestDB answered the request with an error status, but the client discards the answer's body, and
   * with it QuestDB's reason ("designated timestamp beyond 9999-12-31 is not allowed"). Only on this
   * path the same rows are encoded again and sent once more with fetch, which reads the body. If that
   * second request succeeds, the failure was transient and the rows are written.
   */
  private async resend(rows: readonly IndicatorRow[], failure: unknown): Promise<void> {
    const first = statusOf(failure) ?? 500;
    let body: Buffer | null | undefined;
    try {
      this.sender ??= await Sender.fromConfig(ilpConfForBatches(this.conf));
      this.sender.reset();
      await this.encode(this.sender, rows);
      body = (this.sender as unknown as SenderBuffer).buffer?.toBufferNew?.();
      this.sender.reset();
    } catch (error) {
      await this.drop();
      throw unavailable(error);
    }
    if (!body) throw refused(first, messageOf(failure), failure);
    const { base, headers, timeoutMs, tls } = this.endpoint;
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${base}/write?precision=n`, {
        method: "POST",
        headers,
        body,
        // The client's own allowance: request_timeout plus 1 s per 100 KiB.
        signal: AbortSignal.timeout(timeoutMs + Math.ceil(body.byteLength / 102.4)),
        tls,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw unavailable(error);
    }
    if (status < 300) return;
    throw refused(status, questDbReason(text), failure);
  }

  private async drop(): Promise<void> {
    const sender = this.sender;
    this.sender = undefined;
    if (sender === undefined) return;
    try {
      sender.reset();
      await sender.close();
    } catch {
      // Closing a broken connection may fail too; the sender is discarded either way.
    }
  }
}

/** Waits for every share; rejects with the first failure in row order, once all have settled. */
async function firstFailure(writes: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The client reports an answered request as "HTTP request failed, statusCode=NNN, error=..." in a plain
 * Error with no status field: its text is the only place the status is, so it is parsed here, once.
 */
function statusOf(error: unknown): number | undefined {
  const status = /statusCode=(\d{3})/.exec(messageOf(error))?.[1];
  return status === undefined ? undefined : Number(status);
}

/** QuestDB's error body is JSON: {"code":"invalid","message":"...","line":1,"errorId":"..."}. */
function questDbReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; line?: unknown };
    if (typeof parsed.message === "string")
      return typeof parsed.line === "number" ? `${parsed.message} (line ${parsed.line})` : parsed.message;
  } catch {
    // Not JSON (a proxy's page): the text itself is the best reason there is.
  }
  return body.trim().slice(0, 1000) || "(no reason given)";
}

function unavailable(error: unknown): ShamdanError {
  if (error instanceof ShamdanError) return error;
  return new ShamdanError("STORE_UNAVAILABLE", `QuestDB write failed: ${messageOf(error)}`, {
    cause: error,
  });
}

/**
 * 4xx answers about the request rather than its rows (credentials, address, pace): no row is at fault,
 * so they count as the store being unavailable, retried until the configuration or server is fixed.
 */
const NOT_ABOUT_ROWS = new Set([401, 403, 404, 405, 407, 408, 429]);

function refused(status: number, reason: string, cause: unknown): ShamdanError {
  if (NOT_ABOUT_ROWS.has(status))
    return new ShamdanError("STORE_UNAVAILABLE", `QuestDB refused the request (HTTP ${status}): ${reason}`, {
      cause,
    });
  if (status >= 400 && status < 500)
    return new ShamdanError("STORE_REJECTED", `QuestDB rejected the rows (HTTP ${status}): ${reason}`, {
      cause,
    });
  if (status >= 500)
    return new ShamdanError("STORE_SERVER_ERROR", `QuestDB failed the write (HTTP ${status}): ${reason}`, {
      cause,
    });
  return unavailable(cause);
}
