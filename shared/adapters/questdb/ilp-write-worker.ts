/**
 * A worker thread that writes shares of large writes for an IlpWriter on the main thread
 * (ilp-write-pool.ts), so that the shares of a large write are encoded on more than one core; one
 * thread encodes one share at a time. Its own IlpWriter, so its answers are the same ShamdanErrors,
 * sent back as their code and message.
 */
import { ShamdanError } from "../../core/errors.ts";
import type { ColumnNames } from "../store-columns.ts";
import { IlpWriter } from "./ilp-writer.ts";
import { type PackedRows, unpackRows } from "./packed-rows.ts";

export type WorkerRequest =
  | { init: { conf: string; table: string; cols: ColumnNames } }
  | { id: number; packed: PackedRows };
export type WorkerAnswer = { id: number; error?: { code: string; message: string } };

declare const self: Worker;
let writer: IlpWriter | undefined;

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if ("init" in request) {
    writer = new IlpWriter(request.init.conf, request.init.table, request.init.cols);
    return;
  }
  const answer: WorkerAnswer = { id: request.id };
  try {
    if (writer === undefined) throw new Error("the write worker was not initialised");
    await writer.write(unpackRows(request.packed));
  } catch (error) {
    answer.error =
      error instanceof ShamdanError
        ? { code: error.code, message: error.message }
        : { code: "STORE_UNAVAILABLE", message: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(answer);
};
