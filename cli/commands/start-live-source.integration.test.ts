/**
 * `bun start --demo` on the stream, as a user runs it: with a Centrifugo binary under SHAMDAN_HOME/tools
 * (a link to the one `infra up` built; no Go on PATH, none needed) the demo starts Centrifugo as its
 * child on a free loopback port, its fake Nobitex publishes into it, and ingest takes every symbol's
 * live candles from the stream; its start-up line says so. Ctrl-C stops that Centrifugo too. The branch
 * without a binary (the demo polls, and says so) is start.test.ts's demo run.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ensureCentrifugo } from "@shamdan/ingest/centrifugo-server";
import { freeLoopbackPort } from "@shamdan/shared/core/port-answers";
import { waitFor } from "@shamdan/shared/testing/integration";
import { centrifugoBinaryOf } from "../infra/centrifugo.ts";
import { isAlive } from "../infra/java-service.ts";
import { childPids } from "../testing/processes.ts";
import { REPO_ROOT } from "../testing/run-cli.ts";

const SYMBOLS = ["ETCBTC", "ETHBTC", "XRPETH"];
const dir = mkdtempSync(join(tmpdir(), "shamdan-start-ws-"));
let child: ReturnType<typeof Bun.spawn> | undefined;

beforeAll(async () => {
  const binary = await ensureCentrifugo({ log: (line) => process.stderr.write(`${line}\n`) });
  const linked = centrifugoBinaryOf({ SHAMDAN_HOME: join(dir, "home") });
  mkdirSync(dirname(linked), { recursive: true });
  symlinkSync(binary, linked);
}, 900_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

test("with a Centrifugo binary: the demo runs on its own local Centrifugo, says so, and Ctrl-C stops it", async () => {
  const port = await freeLoopbackPort();
  const api = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn(
    [process.execPath, join(REPO_ROOT, "cli", "main.ts"), "start", "--demo", "--port", `${port}`],
    {
      cwd: dir,
      // A clean environment without PATH: no Go, so nothing could be built.
      env: { HOME: dir, SHAMDAN_HOME: join(dir, "home"), SQLITE_PATH: join(dir, "demo.sqlite") },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  child = proc;
  let stderr = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();

  const line = await waitFor(
    "the live source line",
    () =>
      stderr.match(
        /shamdan: live source: websocket \(local Centrifugo (ws:\S+), pid (\d+), fed by the demo's fake Nobitex\)/,
      ) ?? undefined,
    30_000,
    50,
  );
  const pid = Number(line[2]);
  expect(line[1]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/connection\/websocket$/);
  expect(childPids(proc.pid)).toContain(pid);
  await waitFor(
    "ready",
    async () => ((await fetch(`${api}/readyz`).catch(() => undefined))?.ok ? true : undefined),
    30_000,
    100,
  );

  // Every symbol on the stream, pushes arriving (Nobitex's pace: one per symbol about every 10 s).
  const metric = async () => (await fetch(`${api}/metrics`)).text();
  await waitFor(
    "every symbol live on the stream, with pushes",
    async () => {
      const text = await metric();
      const live = SYMBOLS.every((s) =>
        text.includes(`shamdan_ingest_live_source{symbol="${s}",source="websocket"} 1`),
      );
      const pushed = SYMBOLS.every((s) =>
        new RegExp(`shamdan_ingest_pushes_total\\{symbol="${s}",outcome="\\w+"\\} [1-9]`).test(text),
      );
      return live && pushed ? true : undefined;
    },
    40_000,
    250,
  );
  const { symbols } = (await (await fetch(`${api}/api/symbols`)).json()) as {
    symbols: { symbol: string; rows: number }[];
  };
  for (const s of SYMBOLS) expect(symbols.find((x) => x.symbol === s)?.rows ?? 0).toBeGreaterThan(100);
  expect(stderr).toContain('"liveSource":"websocket"');

  proc.kill("SIGINT");
  expect(await proc.exited).toBe(0);
  await reading;
  // No orphan: the Centrifugo it started is gone with it.
  expect(isAlive(pid)).toBe(false);
  expect(stderr).not.toContain('"level":"error"');
}, 120_000);

test("with a Centrifugo binary and LIVE_SOURCE=poll: the demo polls, says so, and starts no Centrifugo", async () => {
  const port = await freeLoopbackPort();
  const proc = Bun.spawn(
    [process.execPath, join(REPO_ROOT, "cli", "main.ts"), "start", "--demo", "--port", `${port}`],
    {
      cwd: dir,
      env: {
        HOME: dir,
        SHAMDAN_HOME: join(dir, "home"),
        SQLITE_PATH: join(dir, "demo-poll.sqlite"),
        LIVE_SOURCE: "poll",
      },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  child = proc;
  const reading = new Response(proc.stderr).text();
  await waitFor(
    "ready",
    async () =>
      (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined,
    30_000,
    100,
  );
  expect(childPids(proc.pid)).toEqual([]);
  proc.kill("SIGINT");
  expect(await proc.exited).toBe(0);
  const stderr = await reading;
  expect(stderr).toContain("shamdan: live source: poll (LIVE_SOURCE=poll)\n");
  expect(stderr).toContain('"liveSource":"poll"');
}, 60_000);
