/**
 * Failure behaviour of QuestDbStore (for the sink and for the API): unreachable => typed retryable
 * errors, never a hang or a crash; when the server is back, the SAME store object works again.
 * Outages are simulated with a loopback proxy, so the shared QuestDB keeps running.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import postgres from "postgres";
import { ShamdanError } from "../../core/errors.ts";
import { requireInfra, testConfig, uniqueName, waitFor } from "../../testing/integration.ts";
import { buildRows } from "../../testing/store-contract-data.ts";
import { TcpProxy } from "../../testing/tcp-proxy.ts";
import { waitForRows } from "../../testing/wait-for-rows.ts";
import { QuestDbStore } from "./questdb-store.ts";

// Real QuestDB on a loaded CI box: room for polling (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);
const base = testConfig();
const pgTarget = new URL(base.QUESTDB_PG_URL);
const ilpTarget = /addr=([^:;]+):(\d+)/.exec(base.QUESTDB_ILP_CONF);
const rows = buildRows("XRPETH.udf.json", "XRPETH", 200);
const window = { symbol: "XRPETH", from: 0, to: Number.MAX_SAFE_INTEGER };

const pgUrl = (port: number) => {
  const url = new URL(base.QUESTDB_PG_URL);
  url.port = String(port);
  return url.toString();
};
// A short client-side retry window keeps the outage tests quick; production keeps the default.
const ilpConf = (port: number) => `http::addr=127.0.0.1:${port};retry_timeout=300;request_timeout=2000;`;

async function expectUnavailable(work: Promise<unknown>): Promise<void> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ShamdanError);
  expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", canRetry: true });
}

beforeAll(async () => {
  await requireInfra(base);
});

test("nothing listening: writes and reads throw STORE_UNAVAILABLE, canRetry", async () => {
  const store = new QuestDbStore(
    testConfig({
      QUESTDB_ILP_CONF: ilpConf(1),
      QUESTDB_PG_URL: pgUrl(1),
      QUESTDB_TABLE: uniqueName("never"),
    }),
  );
  await expectUnavailable(store.write(rows.slice(0, 10)));
  await expectUnavailable(store.ping());
  await expectUnavailable(store.summarize(window));
  await store.close();
});

test("a hung server: reads fail with STORE_TIMEOUT after API_QUERY_TIMEOUT_MS, not forever", async () => {
  const hole = new TcpProxy({ host: "127.0.0.1", port: 1 }, "blackhole");
  const port = await hole.start();
  const store = new QuestDbStore(testConfig({ QUESTDB_PG_URL: pgUrl(port), API_QUERY_TIMEOUT_MS: "300" }));
  try {
    await expect(store.ping()).rejects.toMatchObject({ code: "STORE_TIMEOUT", canRetry: true });
  } finally {
    await hole.stop();
    await store.close();
  }
});

describe("outage and recovery through a proxy", () => {
  const table = uniqueName("store_faults");
  const pgProxy = new TcpProxy({ host: pgTarget.hostname, port: Number(pgTarget.port || 8812) });
  const ilpProxy = new TcpProxy({
    host: ilpTarget?.[1] ?? "127.0.0.1",
    port: Number(ilpTarget?.[2] ?? 9000),
  });
  let store: QuestDbStore;

  beforeAll(async () => {
    const [pgPort, ilpPort] = [await pgProxy.start(), await ilpProxy.start()];
    store = new QuestDbStore(
      testConfig({ QUESTDB_TABLE: table, QUESTDB_PG_URL: pgUrl(pgPort), QUESTDB_ILP_CONF: ilpConf(ilpPort) }),
    );
    await store.init();
  });

  afterAll(async () => {
    await store.close();
    await Promise.all([pgProxy.stop(), ilpProxy.stop()]);
    const sql = postgres(base.QUESTDB_PG_URL, { max: 1, fetch_types: false });
    await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
    await sql.end();
  });

  test("writes fail while QuestDB is away and the retried batch lands once it is back", async () => {
    await store.write(rows.slice(0, 100));
    await waitFor("first batch", async () =>
      (await store.summarize(window)).rows === 100 ? true : undefined,
    );

    await Promise.all([pgProxy.stop(), ilpProxy.stop()]);
    await expectUnavailable(store.write(rows.slice(100)));
    await expectUnavailable(store.ping());
    await expectUnavailable(store.rows(window, 10));

    await Promise.all([pgProxy.start(), ilpProxy.start()]);
    // The caller (the sink) retries the same batch on the same store object.
    await waitFor("write accepted again", async () => {
      await store.write(rows.slice(100));
      return true;
    });
    const all = await waitForRows(store, window, (got) => got.length === rows.length);
    expect(all).toEqual(rows);
  });
});
