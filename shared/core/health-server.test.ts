import { afterAll, expect, test } from "bun:test";
import { Counter, Registry } from "prom-client";
import { startHealthServer } from "./health-server.ts";

const registry = new Registry();
new Counter({ name: "x_total", help: "x", registers: [registry] }).inc(3);
let ready = false;
const server = startHealthServer({ port: 0, hostname: "127.0.0.1", registry, ready: () => ready });
afterAll(() => server.stop());

test("healthz answers, readyz follows ready(), metrics serve the registry", async () => {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  ready = true;
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  const metrics = await fetch(`${server.url}/metrics`);
  expect(metrics.headers.get("content-type")).toContain("text/plain");
  expect(await metrics.text()).toContain("x_total 3");
  expect((await fetch(`${server.url}/nope`)).status).toBe(404);
});
