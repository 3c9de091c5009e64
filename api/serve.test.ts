/**
 * Bun.serve's idle timeout stays on for ordinary requests (one that gets no answer within it is cut,
 * so a stuck request cannot hold a connection forever) and is lifted for SSE streams, which stay quiet
 * between heartbeats and while a slow client reads.
 */
import { expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { LiveHub } from "./live-feed.ts";
import { serveApi } from "./serve.ts";
import { testApp } from "./testing/test-app.ts";

const IDLE_SECONDS = 1;

/** A raw connection that records what it receives and when it was closed. */
function rawClient(port: number) {
  const socket: Socket = connect(port, "127.0.0.1");
  const state = { text: "", closedAt: undefined as number | undefined };
  socket.on("data", (chunk: Buffer) => {
    state.text += chunk.toString("utf8");
  });
  socket.on("close", () => {
    state.closedAt = performance.now();
  });
  socket.on("error", () => {});
  return { socket, state };
}

test("a request with no answer is cut after the idle timeout; a quiet stream is not", async () => {
  const hub = new LiveHub();
  // Queries may take a minute here, so only the idle timeout can end the stuck request.
  const t = await testApp(
    { API_QUERY_TIMEOUT_MS: "60000" },
    { liveFeed: hub, stream: { heartbeatMs: 60_000 } },
  );
  t.store.latestSignals = () => new Promise(() => {});
  const server = serveApi(t.app, { port: 0, hostname: "127.0.0.1", idleTimeoutSeconds: IDLE_SECONDS });
  try {
    const started = performance.now();
    const stalled = rawClient(server.port);
    stalled.socket.write("GET /api/signals/latest HTTP/1.1\r\nHost: x\r\n\r\n");
    const stream = rawClient(server.port);
    stream.socket.write("GET /api/signals/stream?symbol=XRPETH HTTP/1.1\r\nHost: x\r\n\r\n");
    // Well past the idle timeout (Bun checks it on a coarse timer).
    while (stalled.state.closedAt === undefined && performance.now() - started < 20_000) await Bun.sleep(50);
    expect(stalled.state.closedAt).toBeDefined();
    await Bun.sleep(IDLE_SECONDS * 1000 * 2);
    expect(stream.state.closedAt).toBeUndefined();
    expect(stream.state.text).toContain(": connected");
    const last = t.rows.XRPETH[t.rows.XRPETH.length - 1] as IndicatorRow;
    hub.publish({ ...last, openTime: last.openTime + 60_000 });
    while (!stream.state.text.includes("event: row") && performance.now() - started < 30_000)
      await Bun.sleep(20);
    expect(stream.state.text).toContain(`id: ${last.openTime + 60_000}-XRPETH`);
    console.log(`stuck request cut after ${((stalled.state.closedAt ?? 0) - started).toFixed(0)} ms`);
    stream.socket.destroy();
  } finally {
    await server.stop();
  }
}, 40_000);
