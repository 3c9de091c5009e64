/**
 * `infra up|status|down` and the local Centrifugo, run as a user runs them (the CLI as a child process),
 * each test on a SHAMDAN_HOME and ports of its own so the shared Kafka, QuestDB and Centrifugo are never
 * touched: with a built binary (a link to the one `infra up` built) Centrifugo runs in the background
 * configured like Nobitex's; without Go and without a binary, `up` says so in one line and still starts
 * Kafka and QuestDB (from the shared downloads).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { centrifugoApi, centrifugoHealthy, ensureCentrifugo } from "@shamdan/ingest/centrifugo-server";
import { freeLoopbackPort, portAnswers } from "@shamdan/shared/core/port-answers";
import { runCli } from "../testing/run-cli.ts";
import { centrifugoBinaryOf, reapOrphanedCentrifugos } from "./centrifugo.ts";
import { loadInfraConfig } from "./infra-config.ts";
import { isAlive } from "./java-service.ts";

const homes: string[] = [];
const newHome = () => {
  const home = mkdtempSync(join(tmpdir(), "shamdan-infra-"));
  homes.push(home);
  return home;
};
let binary = "";

beforeAll(async () => {
  // Built once (a few minutes) into the project's tools folder by `infra up`; built here if missing.
  binary = await ensureCentrifugo({ log: (line) => process.stderr.write(`${line}\n`) });
}, 900_000);

afterAll(async () => {
  for (const home of homes) {
    // Whatever a failed test left running in its own home.
    await runCli(["infra", "down", "--kill"], { env: { SHAMDAN_HOME: home } });
    rmSync(home, { recursive: true, force: true });
  }
}, 60_000);

const startedPid = (stdout: string, name: string) => {
  const match = stdout.match(new RegExp(`${name}: started \\(pid (\\d+)\\)`));
  if (!match) throw new Error(`no "${name}: started" line in:\n${stdout}`);
  return Number(match[1]);
};

test("with a built binary: up starts Centrifugo (pid file, log, Nobitex-like), a second up is a no-op, status shows it, down stops only ours", async () => {
  const home = newHome();
  const linked = centrifugoBinaryOf({ SHAMDAN_HOME: home });
  mkdirSync(dirname(linked), { recursive: true });
  symlinkSync(binary, linked);
  const port = await freeLoopbackPort();
  const env = {
    SHAMDAN_HOME: home,
    INFRA_CENTRIFUGO_PORT: `${port}`,
    INFRA_CENTRIFUGO_API_KEY: "example-change-me-test",
  };

  const up = await runCli(["infra", "up", "centrifugo"], { env });
  expect(up.code).toBe(0);
  const pid = startedPid(up.stdout, "centrifugo");
  expect(readFileSync(join(home, "centrifugo", "centrifugo.pid"), "utf8").trim()).toBe(`${pid}`);
  expect(await centrifugoHealthy(port)).toBe(true);
  expect(existsSync(join(home, "centrifugo", "centrifugo.log"))).toBe(true);
  // Configured with the key from INFRA_CENTRIFUGO_API_KEY; anonymous `public:` channels; fossil allowed.
  const base = `http://127.0.0.1:${port}`;
  await centrifugoApi(base, "example-change-me-test").publish("public:candle-BTCIRT-1", '{"t":1}', {
    delta: true,
  });
  await expect(centrifugoApi(base, "wrong-key").publish("public:candle-BTCIRT-1", "{}")).rejects.toThrow();
  const config = JSON.parse(readFileSync(join(home, "centrifugo", "centrifugo.json"), "utf8"));
  expect(config.http_server.address).toBe("127.0.0.1");
  expect(config.client.ping_interval).toBe("25s");
  expect(config.channel.namespaces[0]).toMatchObject({
    name: "public",
    allow_subscribe_for_anonymous: true,
    allowed_delta_types: ["fossil"],
  });

  const again = await runCli(["infra", "up", "centrifugo"], { env });
  expect(again.stdout).toContain(`centrifugo: already running (pid ${pid})`);

  const status = await runCli(["infra", "status"], { env });
  expect(status.stdout).toMatch(new RegExp(`centrifugo +running +ports ${port} pid ${pid} log `));

  const down = await runCli(["infra", "down", "centrifugo"], { env });
  expect(down.stdout).toContain("centrifugo: stopped");
  expect(isAlive(pid)).toBe(false);
  expect(await portAnswers("127.0.0.1", port, 500)).toBe(false);

  // A server on the port that `up` did not start: used as it is, never stopped.
  const foreign = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response("not ours") });
  try {
    const upForeign = await runCli(["infra", "up", "centrifugo"], { env });
    expect(upForeign.stdout).toContain("not from a process we started; using it as is");
    const downForeign = await runCli(["infra", "down", "centrifugo"], { env });
    expect(downForeign.stdout).toContain("centrifugo: not running (nothing of ours to stop)");
    expect(await (await fetch(`${base}/`)).text()).toBe("not ours");
  } finally {
    await foreign.stop(true);
  }
}, 60_000);

test("without Go and without a binary: one line about Centrifugo, Kafka and QuestDB start anyway", async () => {
  const home = newHome();
  // The Kafka and QuestDB the shared `infra up` downloaded; their data stays in this home.
  symlinkSync(resolve(loadInfraConfig().SHAMDAN_HOME, "downloads"), join(home, "downloads"));
  const ports: string[] = [];
  for (let i = 0; i < 6; i++) ports.push(`${await freeLoopbackPort()}`);
  const [kafka, controller, http, pg, ilp, centrifugo] = ports as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const java = Bun.which("java");
  if (!java) throw new Error("java is needed (Kafka and QuestDB)");
  const env = {
    SHAMDAN_HOME: home,
    // java's folder, not Go's.
    PATH: `${dirname(java)}:/bin`,
    INFRA_KAFKA_PORT: kafka,
    INFRA_KAFKA_CONTROLLER_PORT: controller,
    INFRA_QUESTDB_HTTP_PORT: http,
    INFRA_QUESTDB_PG_PORT: pg,
    INFRA_QUESTDB_ILP_TCP_PORT: ilp,
    INFRA_CENTRIFUGO_PORT: centrifugo,
  };
  expect(Bun.which("go", { PATH: env.PATH })).toBeNull();
  try {
    const up = await runCli(["infra", "up"], { env });
    expect(up.code).toBe(0);
    const lines = up.stdout.split("\n").filter((line) => line.startsWith("centrifugo:"));
    expect(lines).toEqual([
      "centrifugo: not built and not started (building it needs Go on PATH: https://go.dev/dl/); the WebSocket stream tests build it when Go is there",
    ]);
    startedPid(up.stdout, "kafka");
    startedPid(up.stdout, "questdb");
    expect(await portAnswers("127.0.0.1", Number(kafka), 500)).toBe(true);
    expect(await portAnswers("127.0.0.1", Number(pg), 500)).toBe(true);
    // Centrifugo's absence is no failure here: status exits 0 and says why.
    const status = await runCli(["infra", "status"], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/centrifugo +stopped .*not built \(needs Go/);
  } finally {
    const down = await runCli(["infra", "down"], { env });
    expect(down.stdout).toContain("kafka: stopped");
    expect(down.stdout).toContain("questdb: stopped");
  }
}, 240_000);

test("a child Centrifugo whose owner was killed with kill -9 is stopped by the next one started (reapOrphanedCentrifugos)", async () => {
  const root = newHome();
  // The owner: a Bun process that starts a child Centrifugo, says its pid, and waits.
  const owner = Bun.spawn(
    [
      process.execPath,
      "-e",
      `import { startChildCentrifugo } from ${JSON.stringify(join(import.meta.dir, "centrifugo.ts"))};
       const child = await startChildCentrifugo(${JSON.stringify(binary)});
       console.log("centrifugo pid " + child.server.pid());
       setInterval(() => {}, 1000);`,
    ],
    { env: { ...process.env, TMPDIR: root }, stdout: "pipe", stderr: "inherit" },
  );
  const reader = owner.stdout.getReader();
  let text = "";
  while (!/centrifugo pid \d+/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the owner exited before starting Centrifugo: ${text}`);
    text += new TextDecoder().decode(value);
  }
  const pid = Number(/centrifugo pid (\d+)/.exec(text)?.[1]);
  owner.kill("SIGKILL");
  await owner.exited;
  expect(isAlive(pid)).toBe(true);

  expect(reapOrphanedCentrifugos(root)).toEqual([pid]);
  for (let i = 0; i < 50 && isAlive(pid); i++) await Bun.sleep(100);
  expect(isAlive(pid)).toBe(false);
  expect(readdirSync(root).filter((name) => name.startsWith("shamdan-centrifugo-"))).toEqual([]);
}, 60_000);
