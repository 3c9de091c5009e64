/**
 * `nobitex-fake --start-centrifugo` end to end, as a user runs it: the command starts a real Centrifugo
 * (the binary `infra up` built), plays the recordings into it the way Nobitex does (every symbol's
 * latest candle on `public:candle-{SYMBOL}-1`, `data` a JSON string), and injects each stream fault
 * when asked on `POST /faults/ws`. A bare WebSocket client speaking Centrifugo's JSON protocol (no SDK:
 * what it sees is what is on the wire) watches the pushes. Ctrl-C stops the fake and its Centrifugo.
 * A last test checks the control's refusals on a Centrifugo the fake did not start.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { centrifugoApi, ensureCentrifugo, startCentrifugo } from "@shamdan/ingest/centrifugo-server";
import { startFakeNobitex } from "@shamdan/ingest/fake-nobitex";
import { STREAM_FAULTS_PATH, startFakeStream } from "@shamdan/ingest/stream-faults";
import { freeLoopbackPort } from "@shamdan/shared/core/port-answers";
import { waitFor } from "@shamdan/shared/testing/integration";
import { isAlive } from "../infra/java-service.ts";
import { childPids } from "../testing/processes.ts";
import { REPO_ROOT } from "../testing/run-cli.ts";

const SYMBOLS = ["ETHBTC", "XRPETH"] as const;
const channel = (symbol: string) => `public:candle-${symbol}-1`;
let binary = "";

beforeAll(async () => {
  binary = await ensureCentrifugo({ log: (line) => process.stderr.write(`${line}\n`) });
}, 900_000);

interface Push {
  data: unknown;
  at: number;
}

/** A Centrifugo client on a bare WebSocket: connect, subscribe, answer pings, record pushes. */
function watch(wsUrl: string, channels: readonly string[]) {
  const pushes = new Map<string, Push[]>(channels.map((c) => [c, []]));
  const socket = new WebSocket(wsUrl);
  let id = 0;
  const send = (command: object) => socket.send(JSON.stringify({ id: ++id, ...command }));
  const closed = new Promise<number>((done) => socket.addEventListener("close", (event) => done(event.code)));
  socket.addEventListener("open", () => {
    send({ connect: {} });
    for (const c of channels) send({ subscribe: { channel: c } });
  });
  socket.addEventListener("message", (event) => {
    // Several replies may share a frame, one JSON document per line.
    for (const line of String(event.data).split("\n").filter(Boolean)) {
      const message = JSON.parse(line) as { push?: { channel: string; pub?: { data: unknown } } };
      if (line === "{}") socket.send("{}");
      const pub = message.push?.pub;
      if (message.push && pub) pushes.get(message.push.channel)?.push({ data: pub.data, at: Date.now() });
    }
  });
  return { pushes, closed, close: () => socket.close() };
}

const count = (watcher: ReturnType<typeof watch>, symbol: string) =>
  watcher.pushes.get(channel(symbol))?.length ?? 0;

const postFault = async (base: string, body: object) => {
  const response = await fetch(`${base}${STREAM_FAULTS_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const child = { proc: undefined as ReturnType<typeof Bun.spawn> | undefined };
afterAll(async () => {
  if (child.proc && child.proc.exitCode === null) child.proc.kill("SIGKILL");
});

// One test on purpose: the faults are steps on one running fake, in the order a user would try them.
test("--start-centrifugo: pushes like Nobitex's, every stream fault on demand, Ctrl-C leaves nothing running", async () => {
  const proc = Bun.spawn(
    [
      process.execPath,
      join(REPO_ROOT, "cli", "main.ts"),
      "nobitex-fake",
      "--data",
      join(REPO_ROOT, "data", "candles"),
      "--port",
      "0",
      "--live",
      "--speed",
      "12",
      "--start-centrifugo",
      "--push-ms",
      "200",
    ],
    { env: { PATH: process.env.PATH ?? "" }, stdout: "pipe", stderr: "pipe" },
  );
  child.proc = proc;
  let stdout = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) stdout += decoder.decode(chunk, { stream: true });
  })();
  const printed = (pattern: RegExp) =>
    waitFor(`stdout matching ${pattern}`, () => stdout.match(pattern) ?? undefined, 20_000, 50);
  const base = (await printed(/listening on (http:\/\/\S+)/))[1] as string;
  const started = await printed(/started Centrifugo \(pid (\d+)\): NOBITEX_WS_URL=(\S+)/);
  const firstPid = Number(started[1]);
  const wsUrl = started[2] as string;
  await printed(/stream faults: POST/);
  expect(childPids(proc.pid)).toContain(firstPid);

  const watcher = watch(
    wsUrl,
    SYMBOLS.map((s) => channel(s)),
  );
  await waitFor(
    "pushes on every channel",
    () => (SYMBOLS.every((s) => count(watcher, s) >= 5) ? true : undefined),
    20_000,
  );
  // Nobitex's format: `data` a JSON string of the candle, t in seconds, and the latest candle each time.
  for (const s of SYMBOLS) {
    const times: number[] = [];
    for (const { data } of watcher.pushes.get(channel(s)) ?? []) {
      expect(typeof data).toBe("string");
      const candle = JSON.parse(data as string) as Record<string, unknown>;
      expect(Object.keys(candle).sort()).toEqual(["c", "h", "l", "o", "t", "v"]);
      for (const value of Object.values(candle)) expect(typeof value).toBe("number");
      times.push(candle.t as number);
    }
    expect(times).toEqual([...times].sort((a, b) => a - b));
  }

  const lastData = (symbol: string) => watcher.pushes.get(channel(symbol))?.map((p) => p.data) ?? [];
  // Malformed data.
  expect((await postFault(base, { kind: "malformed", symbol: "XRPETH" })).status).toBe(200);
  await waitFor("the malformed push", () => (lastData("XRPETH").includes("{not json") ? true : undefined));
  // An old candle, out of order.
  const old = await postFault(base, { kind: "out-of-order", symbol: "XRPETH", back: 3 });
  expect(old.status).toBe(200);
  const oldT = (old.body.candle as { openTime: number }).openTime / 1000;
  await waitFor("the old candle pushed", () =>
    lastData("XRPETH").some((d) => typeof d === "string" && d.startsWith(`{"t":${oldT},`)) ? true : undefined,
  );
  // The same candle twice more, back to back.
  const duplicate = await postFault(base, { kind: "duplicate", symbol: "ETHBTC", times: 2 });
  expect(duplicate.status).toBe(200);
  const dupT = (duplicate.body.candle as { openTime: number }).openTime / 1000;
  await waitFor("the duplicates pushed", () => {
    const data = lastData("ETHBTC");
    return data.some((d, i) => d === data[i + 1] && String(d).startsWith(`{"t":${dupT},`)) ? true : undefined;
  });
  // Silence: no ETHBTC push while XRPETH goes on; pushes return on resume.
  expect((await postFault(base, { kind: "silence", symbol: "ETHBTC" })).status).toBe(200);
  await Bun.sleep(300); // a push already on its way lands first
  const [silentFrom, otherFrom] = [count(watcher, "ETHBTC"), count(watcher, "XRPETH")];
  await waitFor("XRPETH pushed 5 times more", () =>
    count(watcher, "XRPETH") >= otherFrom + 5 ? true : undefined,
  );
  expect(count(watcher, "ETHBTC")).toBe(silentFrom);
  expect((await postFault(base, { kind: "resume", symbol: "ETHBTC" })).status).toBe(200);
  await waitFor("ETHBTC pushed again", () => (count(watcher, "ETHBTC") > silentFrom ? true : undefined));
  // Every connection dropped by the server, with a code that asks clients to reconnect.
  expect((await postFault(base, { kind: "disconnect" })).status).toBe(200);
  expect(await watcher.closed).toBe(3001);

  // kill -9 of its Centrifugo, started again; a new client gets pushes again.
  const again = watch(wsUrl, [channel("XRPETH")]);
  await waitFor("a push before the restart", () => (count(again, "XRPETH") > 0 ? true : undefined));
  expect((await postFault(base, { kind: "restart", downMs: 300 })).status).toBe(200);
  expect(isAlive(firstPid)).toBe(false);
  await again.closed;
  const secondPids = childPids(proc.pid);
  expect(secondPids.length).toBe(1);
  const afterRestart = watch(wsUrl, [channel("XRPETH")]);
  await waitFor("pushes after the restart", () => (count(afterRestart, "XRPETH") >= 2 ? true : undefined));
  afterRestart.close();

  // Refusals: an unknown symbol or kind.
  expect((await postFault(base, { kind: "silence", symbol: "NOPE" })).status).toBe(409);
  expect((await postFault(base, { kind: "explode" })).status).toBe(400);
  const injected = ((await (await fetch(`${base}${STREAM_FAULTS_PATH}`)).json()) as { injected: object })
    .injected;
  expect(injected).toEqual({
    restart: 1,
    disconnect: 1,
    silence: 1,
    resume: 1,
    malformed: 1,
    "out-of-order": 1,
    duplicate: 1,
  });

  proc.kill("SIGINT");
  expect(await proc.exited).toBe(0);
  for (const pid of secondPids) expect(isAlive(pid)).toBe(false);
}, 90_000);

test("restart is refused (409) for a Centrifugo the fake did not start; other faults work on it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shamdan-fake-ws-"));
  const server = await startCentrifugo({
    binary,
    port: await freeLoopbackPort(),
    dir,
    apiKey: "example-change-me-external",
  });
  const fake = await startFakeNobitex({ dataDir: join(REPO_ROOT, "data", "candles"), symbols: ["ETHBTC"] });
  const stream = startFakeStream({
    fake,
    centrifugo: centrifugoApi(server.apiUrl.replace(/\/api$/, ""), "example-change-me-external"),
    intervalMs: 60_000,
  });
  try {
    const refused = await postFault(fake.url, { kind: "restart" });
    expect(refused.status).toBe(409);
    expect(String(refused.body.error)).toContain("--start-centrifugo");
    expect((await postFault(fake.url, { kind: "disconnect" })).status).toBe(200);
    expect(stream.injected.disconnect).toBe(1);
  } finally {
    await stream.stop();
    await fake.stop();
    await server.stop(true);
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
