/**
 * The CLI as a user meets it off the happy path, in child processes: each common mistake gives one
 * line (never a stack trace) and a meaningful exit code, and stopping `bun start` is prompt and safe
 * (an open stream does not hold it up; a second Ctrl-C closes the store before exiting).
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { waitFor } from "@shamdan/shared/testing/integration";
import { runCli } from "../testing/run-cli.ts";

const MAIN = resolve(import.meta.dir, "..", "main.ts");
const RECORDING = resolve(import.meta.dir, "..", "..", "data", "candles", "XRPETH.udf.json");
const dir = mkdtempSync(join(tmpdir(), "shamdan-cli-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({
  HOME: dir,
  PATH: process.env.PATH ?? "",
  SQLITE_PATH: join(dir, `${crypto.randomUUID()}.sqlite`),
  ...extra,
});

const run = (args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { env: env(extra), cwd: dir });

/** One non-empty line, and nothing that looks like a stack trace. */
function expectOneLine(stderr: string) {
  const lines = stderr.split("\n").filter((line) => line.trim() !== "");
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0] as string;
}

async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port as number;
  await probe.stop(true);
  return port;
}

describe("one line for each common mistake", () => {
  test("a typo'd command: did you mean, exit 2", async () => {
    const { stderr, code } = await run(["strat"]);
    expect(code).toBe(2);
    expect(expectOneLine(stderr)).toContain('did you mean "start"?');
    const unknown = await run(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(expectOneLine(unknown.stderr)).not.toContain("did you mean");
  });

  test("POLL_CRON=bogus is invalid configuration: exit 2 naming the variable", async () => {
    const { stderr, code } = await run(["start", "--demo"], { POLL_CRON: "bogus" });
    expect(code).toBe(2);
    expect(stderr).toContain("POLL_CRON");
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain('"level"');
  });

  test("a busy port: one line saying so, exit 1", async () => {
    const busy = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("taken") });
    try {
      const { stderr, code } = await run(["start", "--demo", "--port", String(busy.port)], {
        LOG_LEVEL: "error",
      });
      expect(code).toBe(1);
      expect(expectOneLine(stderr)).toContain("already in use");
    } finally {
      await busy.stop(true);
    }
  }, 30_000);

  test("nobitex-fake --data /nonexistent: one line naming the folder, exit 1", async () => {
    const { stderr, code } = await run(["nobitex-fake", "--data", "/nonexistent", "--port", "0"]);
    expect(code).toBe(1);
    expect(expectOneLine(stderr)).toContain("/nonexistent");
  });

  test("compute | head -1: the closed pipe ends it quietly with success", async () => {
    const errors = join(dir, "compute.err");
    const child = Bun.spawn(
      [
        "bash",
        "-c",
        `"$0" "$1" compute --input "$2" 2>"$3" | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`,
        process.execPath,
        MAIN,
        RECORDING,
        errors,
      ],
      { env: env(), stdout: "pipe" },
    );
    const status = (await new Response(child.stdout).text()).trim();
    expect(status).toBe("0");
    expect(await Bun.file(errors).text()).toBe("");
  });
});

describe("stopping bun start", () => {
  async function startDemo() {
    const port = await freePort();
    const sqlitePath = join(dir, `${crypto.randomUUID()}.sqlite`);
    const child = Bun.spawn([process.execPath, MAIN, "start", "--demo", "--port", String(port)], {
      cwd: dir,
      env: { ...env(), SQLITE_PATH: sqlitePath, POLL_CRON: "* * * * * *" },
      stdout: "ignore",
      stderr: "pipe",
    });
    const stderr = new Response(child.stderr).text();
    await waitFor(
      "the demo ready",
      async () =>
        (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined,
      30_000,
      100,
    );
    return { child, stderr, base: `http://127.0.0.1:${port}`, sqlitePath };
  }

  test("Ctrl-C with a stream open: the stream ends at once, exit 0", async () => {
    const demo = await startDemo();
    try {
      const response = await fetch(`${demo.base}/api/signals/stream`);
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      const stopAt = performance.now();
      demo.child.kill("SIGINT");
      // Drain: the server ends the stream rather than waiting for it to its stop deadline (5 s).
      while (!(await reader.read()).done) {}
      const code = await demo.child.exited;
      const took = performance.now() - stopAt;
      expect(code).toBe(0);
      expect(took).toBeLessThan(4500);
      expect(await demo.stderr).toContain('"waitingFor"');
    } finally {
      if (demo.child.exitCode === null) demo.child.kill("SIGKILL");
    }
  }, 60_000);

  test("a second Ctrl-C: the store is closed, then exit 130; the SQLite file is whole", async () => {
    const demo = await startDemo();
    try {
      // A request whose body never ends keeps the graceful stop waiting (up to its 5 s deadline): the
      // second Ctrl-C arrives while it waits, as an impatient user's would.
      const hanging = fetch(`${demo.base}/api/summarize/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new ReadableStream({
          start: (controller) => controller.enqueue(new TextEncoder().encode("{")),
        }),
        duplex: "half",
      } as RequestInit).catch(() => undefined);
      await Bun.sleep(300);
      demo.child.kill("SIGINT");
      await Bun.sleep(1000);
      expect(demo.child.exitCode).toBeNull();
      demo.child.kill("SIGINT");
      const code = await demo.child.exited;
      await hanging;
      expect(code).toBe(130);
      expect(await demo.stderr).toContain("second signal: closing the store");
      const db = new Database(demo.sqlitePath, { readonly: true });
      try {
        expect(
          db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check,
        ).toBe("ok");
        const n = db.query<{ n: number }, []>("SELECT count(*) AS n FROM stock_data").get()?.n ?? 0;
        expect(n).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    } finally {
      if (demo.child.exitCode === null) demo.child.kill("SIGKILL");
    }
  }, 60_000);
});
