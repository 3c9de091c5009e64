/**
 * Worker threads that take shares of a large ILP write (ilp-write-worker.ts), so that a backlog (a
 * backfill, a catch-up after an outage) is encoded on several cores instead of one. A share travels as
 * packed rows (packed-rows.ts, the buffer transferred, not copied) and comes back as done or as the
 * ShamdanError its writer threw. A worker that dies fails its shares as STORE_UNAVAILABLE (the caller
 * retries the write) and is started again on the next share. Idle workers do not keep the process alive.
 */
import { type FixedErrorCode, ShamdanError } from "../../core/errors.ts";
import type { IndicatorRow } from "../../core/messages.ts";
import type { ColumnNames } from "../store-columns.ts";
import type { WorkerAnswer, WorkerRequest } from "./ilp-write-worker.ts";
import { packRows } from "./packed-rows.ts";

type Settle = { resolve: () => void; reject: (error: unknown) => void };

class WriteWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Settle>();
  private readonly inFlight = new Set<Promise<void>>();
  private nextId = 0;

  constructor(private readonly init: { conf: string; table: string; cols: ColumnNames }) {}

  write(rows: readonly IndicatorRow[]): Promise<void> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    const packed = packRows(rows);
    const written = new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      const request: WorkerRequest = { id, packed };
      worker.postMessage(request, [packed.values.buffer]);
    });
    this.inFlight.add(written);
    const forget = () => this.inFlight.delete(written);
    written.then(forget, forget);
    return written;
  }

  private start(): Worker {
    const worker = new Worker(new URL("./ilp-write-worker.ts", import.meta.url).href);
    const init: WorkerRequest = { init: this.init };
    worker.postMessage(init);
    worker.onmessage = (event: MessageEvent<WorkerAnswer>) => {
      const { id, error } = event.data;
      const settle = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      if (error === undefined) settle?.resolve();
      // The codes come from the worker's own IlpWriter: STORE_* codes, whose retry the code decides.
      else settle?.reject(new ShamdanError(error.code as FixedErrorCode, error.message));
    };
    worker.onerror = (event) => this.fail(`the ILP write worker failed: ${event.message}`);
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private fail(message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.worker?.terminate();
    this.worker = undefined;
    for (const settle of pending) settle.reject(new ShamdanError("STORE_UNAVAILABLE", message));
  }

  /** Lets the shares in flight finish (each is bounded by the writer's request timeout), then stops. */
  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    this.fail("the ILP writer was closed");
  }
}

export class IlpWritePool {
  private readonly workers: WriteWorker[];

  constructor(size: number, init: { conf: string; table: string; cols: ColumnNames }) {
    this.workers = Array.from({ length: size }, () => new WriteWorker(init));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Writes `rows` on worker `index` (0 ≤ index < size). */
  write(index: number, rows: readonly IndicatorRow[]): Promise<void> {
    return (this.workers[index] as WriteWorker).write(rows);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
