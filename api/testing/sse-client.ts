/**
 * Clients for load tests against a served API (a real socket, not `app.request`): an SSE reader that
 * keeps only what a test checks (row ids and closes) so the test process stays small, and a raw-socket
 * reader that stops reading for a while, so the server sees a real slow client (TCP backpressure)
 * rather than one whose HTTP client buffers everything on its behalf.
 */
import { connect } from "node:net";

export interface RowEvent {
  id: string;
  close: number;
}

/** Splits an SSE byte stream into blocks; `onBlock` sees each complete `...\n\n` block. */
export class SseSplitter {
  #buffer = "";
  readonly #decoder = new TextDecoder();

  constructor(private readonly onBlock: (block: string) => void) {}

  push(chunk: Uint8Array): void {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    let cut = this.#buffer.indexOf("\n\n");
    while (cut >= 0) {
      this.onBlock(this.#buffer.slice(0, cut));
      this.#buffer = this.#buffer.slice(cut + 2);
      cut = this.#buffer.indexOf("\n\n");
    }
  }
}

/** The row event in an SSE block, if it is one. */
export function rowEventOf(block: string): RowEvent | undefined {
  if (!block.startsWith("event: row\n")) return undefined;
  let id = "";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("id: ")) id = line.slice(4);
    else if (line.startsWith("data: ")) data = line.slice(6);
  }
  return { id, close: (JSON.parse(data) as { close: number }).close };
}

/**
 * Reads `row` events until `done(rows)` holds (then cancels) or the stream ends, the server closes it,
 * or `timeoutMs` passes. Returns the response status and the rows read.
 */
export async function readRows(
  url: string,
  headers: Record<string, string>,
  done: (rows: readonly RowEvent[]) => boolean,
  timeoutMs: number,
): Promise<{ status: number; contentType: string; body?: unknown; rows: RowEvent[]; ended: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const rows: RowEvent[] = [];
  try {
    const res = await fetch(url, { headers, signal: abort.signal });
    const contentType = res.headers.get("content-type") ?? "";
    if (res.status !== 200 || !res.body)
      return {
        status: res.status,
        contentType,
        body: await res.json().catch(() => undefined),
        rows,
        ended: "",
      };
    const reader = res.body.getReader();
    const splitter = new SseSplitter((block) => {
      const row = rowEventOf(block);
      if (row) rows.push(row);
    });
    let ended = "done";
    try {
      while (!done(rows)) {
        const { value, done: eof } = await reader.read();
        if (eof) {
          ended = "eof";
          break;
        }
        splitter.push(value);
      }
    } catch (error) {
      ended = abort.signal.aborted ? "timeout" : `error: ${String(error)}`;
    } finally {
      await reader.cancel().catch(() => {});
    }
    return { status: res.status, contentType, rows, ended };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A slow SSE client on a raw socket: reads about `readBytes`, then stops reading for `pauseMs` (the
 * socket is paused, so the kernel buffers fill and the server's writes stall), `rounds` times, then
 * drops the connection mid-stream. Resolves with the HTTP status line and the bytes it read.
 */
export function slowReader(
  port: number,
  path: string,
  headers: Record<string, string>,
  options: { readBytes: number; pauseMs: number; rounds: number },
): Promise<{ statusLine: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let bytes = 0;
    let sinceResume = 0;
    let rounds = 0;
    let head = "";
    const finish = () => {
      socket.destroy();
      resolve({ statusLine: head.split("\r\n")[0] ?? "", bytes });
    };
    socket.on("error", reject);
    socket.on("connect", () => {
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join("")}\r\n`);
    });
    socket.on("data", (chunk: Buffer) => {
      if (head.length < 200) head += chunk.toString("latin1", 0, Math.min(chunk.length, 200));
      bytes += chunk.length;
      sinceResume += chunk.length;
      if (sinceResume < options.readBytes) return;
      sinceResume = 0;
      rounds += 1;
      socket.pause();
      if (rounds >= options.rounds) {
        setTimeout(finish, options.pauseMs);
        return;
      }
      setTimeout(() => socket.resume(), options.pauseMs);
    });
    socket.on("end", finish);
  });
}
