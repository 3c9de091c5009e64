/**
 * Writes IndicatorRows to QuestDB over ILP/HTTP with @questdb/nodejs-client. One `write` = one HTTP
 * request = one server-side transaction, acknowledged before we resolve. On any failure the sender
 * is dropped and recreated on the next call, so a retry resends the whole batch and never a leftover
 * half-buffer.
 */
import { Sender } from "@questdb/nodejs-client";
import { ShamdanError } from "../errors.ts";
import type { IndicatorRow } from "../messages.ts";
import { ilpConfForBun } from "../questdb-conf.ts";
import type { ColumnNames } from "./columns.ts";
import { NUMERIC_FIELDS } from "./store.ts";

/**
 * Auto-flush would split a large batch into several transactions (default every 75,000 rows), so a
 * failure could leave half a batch written: we turn it off and flush once per `write`.
 */
export function ilpConfForBatches(conf: string): string {
  const base = ilpConfForBun(conf)
    .split(";")
    .filter((part) => part.length > 0 && !part.startsWith("auto_flush"))
    .join(";");
  return `${base};auto_flush=off;`;
}

export class IlpWriter {
  private sender: Sender | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly conf: string,
    private readonly table: string,
    private readonly cols: ColumnNames,
  ) {}

  /** Calls are serialized: two batches never share the sender's one buffer. */
  write(rows: readonly IndicatorRow[]): Promise<void> {
    const next = this.queue.then(() => this.writeNow(rows));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.drop();
  }

  private async writeNow(rows: readonly IndicatorRow[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      this.sender ??= await Sender.fromConfig(ilpConfForBatches(this.conf));
      const sender = this.sender;
      sender.reset();
      for (const r of rows) {
        sender.table(this.table).symbol("stock_symbol", r.symbol).symbol("signal", r.signal);
        for (const field of NUMERIC_FIELDS) {
          const value = r[field];
          // Omitted => NULL in QuestDB. Writing 0 for "undefined" was the seed's bug.
          if (value !== null) sender.floatColumn(this.cols[field], value);
        }
        sender.booleanColumn("signal_changed", r.signalChanged);
        await sender.at(r.openTime, "ms");
      }
      await sender.flush();
    } catch (error) {
      await this.drop();
      throw classify(error);
    }
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

/**
 * The client reports a rejected request as "HTTP request failed, statusCode=4xx": the same batch
 * would be rejected again, so it is not retryable. Anything else (refused, reset, timeout, 5xx) is.
 */
function classify(error: unknown): ShamdanError {
  const text = error instanceof Error ? error.message : String(error);
  const status = /statusCode=(\d{3})/.exec(text)?.[1];
  if (status?.startsWith("4"))
    return new ShamdanError("STORE_REJECTED", `QuestDB rejected the batch: ${text}`, false, { cause: error });
  return new ShamdanError("STORE_UNAVAILABLE", `QuestDB write failed: ${text}`, true, { cause: error });
}
