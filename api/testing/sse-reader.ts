/** Reads Server-Sent Events from a fetch Response until `done(events)` holds, then cancels the stream. */
import { waitFor } from "@shamdan/shared/testing/integration";

export interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

function parseBlock(block: string): SseEvent {
  const event: SseEvent = {};
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) event.comment = line.slice(1).trim();
    else {
      const at = line.indexOf(":");
      const key = line.slice(0, at);
      const value = line.slice(at + 1).replace(/^ /, "");
      if (key === "event" || key === "id") event[key] = value;
      if (key === "data") event.data = event.data === undefined ? value : `${event.data}\n${value}`;
    }
  }
  return event;
}

export async function readEvents(
  response: Response,
  done: (events: SseEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<SseEvent[]> {
  if (!response.body) throw new Error("response has no body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = "";
  let pending: Promise<void> | undefined;
  const pump = async () => {
    const { value, done: ended } = await reader.read();
    if (ended) throw new Error(`stream ended after ${events.length} events`);
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      events.push(parseBlock(buffer.slice(0, cut)));
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
    }
  };
  try {
    await waitFor(
      "server-sent events",
      async () => {
        if (done(events)) return true;
        pending ??= pump().finally(() => {
          pending = undefined;
        });
        await Promise.race([pending, Bun.sleep(20)]);
        return done(events) ? true : undefined;
      },
      timeoutMs,
      1,
    );
    return events;
  } finally {
    await reader.cancel().catch(() => {});
  }
}
