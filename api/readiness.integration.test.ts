/**
 * `/readyz` tells the truth about the real QuestDB: 200 while it answers, 503 with a JSON body once
 * it is unreachable (cut with a loopback proxy, so the shared QuestDB keeps running), 200 again when
 * it is back, with the same store object. Probes arriving together share one ping.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { QuestDbStore } from "@shamdan/shared/adapters/questdb/questdb-store";
import { silentLogger } from "@shamdan/shared/core/log";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { TcpProxy } from "@shamdan/shared/testing/tcp-proxy";
import { createApp } from "./app.ts";

setDefaultTimeout(60_000);
const base = testConfig();
const target = new URL(base.QUESTDB_PG_URL);
const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 8812) });
let store: QuestDbStore;
let app: ReturnType<typeof createApp>;
let pings = 0;

beforeAll(async () => {
  await requireInfra(base);
  const port = await proxy.start();
  const url = new URL(base.QUESTDB_PG_URL);
  url.port = String(port);
  const config = testConfig({
    QUESTDB_PG_URL: url.toString(),
    QUESTDB_TABLE: uniqueName("api_ready"),
    API_QUERY_TIMEOUT_MS: "2000",
  });
  store = new QuestDbStore(config);
  const ping = store.ping.bind(store);
  store.ping = () => {
    pings += 1;
    return ping();
  };
  app = createApp({ store, config, logger: silentLogger });
});

afterAll(async () => {
  await store?.close();
  await proxy.stop();
});

const status = async () => (await app.request("/readyz")).status;

test("readyz: 200, then 503 while the store is unreachable, then 200 again", async () => {
  expect(await status()).toBe(200);

  // Twenty probes at once cost the store one ping.
  await Bun.sleep(1100);
  const before = pings;
  const statuses = await Promise.all(Array.from({ length: 20 }, status));
  expect(new Set(statuses)).toEqual(new Set([200]));
  expect(pings - before).toBe(1);

  await proxy.stop();
  await waitFor("readyz to say 503", async () => ((await status()) === 503 ? true : undefined), 20_000, 200);
  const down = await app.request("/readyz");
  expect(down.status).toBe(503);
  expect(await down.json()).toMatchObject({ status: "unavailable", error: "store_unavailable" });

  await proxy.start();
  await waitFor(
    "readyz to say 200 again",
    async () => ((await status()) === 200 ? true : undefined),
    30_000,
    200,
  );
});
