/**
 * Helpers for `*.integration.test.ts`: they talk to the REAL Kafka and QuestDB started by
 * `bun run shamdan infra up` (or `bun run test:ci`, which starts them). When the infra is not
 * reachable the test FAILS with a clear message; it never skips silently.
 */
import { randomUUID } from "node:crypto";
import { type Config, loadConfig } from "../core/config.ts";
import { portAnswers } from "../core/port-answers.ts";

/** Config for integration tests: the defaults (loopback infra) plus the caller's overrides. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(process.env, overrides);
}

/** A name no other test (or earlier run) uses: per-test topics, groups and tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** Throws (failing the test) unless Kafka and QuestDB answer on the configured addresses. */
export async function requireInfra(config: Config = testConfig()): Promise<void> {
  const [broker] = config.KAFKA_BROKERS;
  const [kafkaHost, kafkaPort] = (broker ?? "127.0.0.1:9092").split(":");
  const pg = new URL(config.QUESTDB_PG_URL);
  const ilp = /addr=([^:;]+):(\d+)/.exec(config.QUESTDB_ILP_CONF);
  const checks: [string, string, number][] = [
    ["Kafka", kafkaHost ?? "127.0.0.1", Number(kafkaPort ?? 9092)],
    ["QuestDB PG wire", pg.hostname, Number(pg.port || 8812)],
    ["QuestDB HTTP/ILP", ilp?.[1] ?? "127.0.0.1", Number(ilp?.[2] ?? 9000)],
  ];
  const missing: string[] = [];
  for (const [what, host, port] of checks)
    if (!(await portAnswers(host, port))) missing.push(`${what} at ${host}:${port}`);
  if (missing.length > 0) {
    throw new Error(
      `integration test needs ${missing.join(" and ")}: run "bun run shamdan infra up" (or "bun run test:ci")`,
    );
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await Bun.sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`,
  );
}
