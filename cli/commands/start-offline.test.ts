/**
 * `bun start` where Nobitex cannot be reached (a closed local port stands in for no internet): one
 * plain line says so, with the error and what to do; `/readyz` says the same (the chart page shows it);
 * no data appears; retries stay quiet; when the server appears, one more line and ready.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type FakeNobitex, startFakeNobitex } from "@shamdan/ingest/fake-nobitex";
import { first } from "@shamdan/shared/testing/at";
import { waitFor } from "@shamdan/shared/testing/integration";

const ROOT = resolve(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "shamdan-offline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port as number;
  await probe.stop(true);
  return port;
}

test("offline: one plain line, /readyz says why, no data; one line again when Nobitex answers", async () => {
  const [nobitexPort, apiPort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${apiPort}`;
  const child = Bun.spawn([process.execPath, join(ROOT, "cli", "main.ts"), "start", "--port", `${apiPort}`], {
    cwd: dir,
    env: {
      HOME: dir,
      PATH: process.env.PATH ?? "",
      SQLITE_PATH: join(dir, "offline.sqlite"),
      NOBITEX_BASE_URL: `http://127.0.0.1:${nobitexPort}`,
      SYMBOLS: "ETHBTC,XRPETH",
      LIVE_SOURCE: "poll",
      POLL_CRON: "* * * * * *",
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  let stderr = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  /** The plain lines (the JSON logs are for machines). */
  const plain = () => stderr.split("\n").filter((line) => line.startsWith("shamdan: "));
  let fake: FakeNobitex | undefined;
  try {
    await waitFor("the unreachable line", async () => (plain().length > 0 ? true : undefined), 30_000, 100);
    const line = first(plain());
    expect(line).toContain(`Nobitex (http://127.0.0.1:${nobitexPort}) is unreachable from this machine`);
    expect(line).toContain("ECONNREFUSED");
    expect(line).toContain('"bun start --demo"');
    expect(line).toContain("NOBITEX_BASE_URL");

    const ready = await fetch(`${api}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; message: string; detail: Record<string, unknown> };
    expect(body.status).toBe("unavailable");
    expect(body.message).toBe(line.slice("shamdan: ".length));
    expect(Object.keys(body.detail.ingest as object).sort()).toEqual(["ETHBTC", "XRPETH"]);
    // Nothing is made up meanwhile.
    const { symbols } = (await (await fetch(`${api}/api/symbols`)).json()) as { symbols: { rows: number }[] };
    expect(symbols.map((s) => s.rows)).toEqual([0, 0]);

    // Retries go on quietly: still one plain line, a few failed polls later.
    await Bun.sleep(3000);
    expect(plain()).toHaveLength(1);

    fake = await startFakeNobitex({
      dataDir: join(ROOT, "data", "candles"),
      port: nobitexPort,
      symbols: ["ETHBTC", "XRPETH"],
      loop: true,
    });
    await waitFor(
      "ready again",
      async () => ((await fetch(`${api}/readyz`)).ok && plain().length === 2 ? true : undefined),
      60_000,
      200,
    );
    expect(plain()[1]).toBe(
      `shamdan: Nobitex (http://127.0.0.1:${nobitexPort}) answers again; ingest is ready.`,
    );
    child.kill("SIGINT");
    expect(await child.exited).toBe(0);
    await reading;
    expect(plain()).toHaveLength(2);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await fake?.stop();
  }
}, 120_000);
