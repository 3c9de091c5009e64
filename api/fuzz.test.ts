/**
 * 12,000 random and hostile requests against the in-process app over SQLite with recorded data:
 * wrong types, huge numbers, unicode, SQL injection in every field, malformed JSON, wrong methods and
 * content types, hostile headers. The API may refuse anything, but never with a 5xx, and every
 * refusal is JSON. Seeded, so a failure reproduces.
 */
import { beforeAll, expect, test } from "bun:test";
import { mulberry32 } from "@shamdan/shared/core/prng";
import { at } from "@shamdan/shared/testing/at";
import { type TestApp, testApp } from "./testing/test-app.ts";

const REQUESTS = 12_000;

const random = mulberry32(0x5ea1);
const pick = <T>(xs: readonly T[]): T => at(xs, Math.floor(random() * xs.length));

const HOSTILE_STRINGS = [
  "",
  " ",
  "ETHBTC",
  "ethbtc",
  "BTCIRT",
  "XRPETH",
  "SMA_5",
  "RSI_10",
  "avg",
  "highest",
  "close",
  "1m",
  "1d",
  "true",
  "2018-01-25T00:00:00Z",
  "1516838400",
  "ETHBTC' OR '1'='1",
  "'; DROP TABLE stock_data; --",
  '" OR 1=1 --',
  "close) FROM stock_data; --",
  "1; SELECT pg_sleep(10)",
  "UNION SELECT * FROM tables()",
  "$1",
  "?",
  "%s%s%s%n",
  "\u0000",
  "\uFEFFETHBTC",
  "ＥＴＨＢＴＣ",
  "بیت‌کوین",
  "💥🚀",
  "\uD800",
  "A".repeat(10_000),
  "ß".repeat(300),
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "NaN",
  "Infinity",
  "-0",
  "1e309",
  "9999999999999999999999",
  "0x10",
  "1,2,3",
  "ETHBTC,XRPETH",
  "ETHBTC,,",
];
const HOSTILE_NUMBERS = [
  0,
  -1,
  1,
  5,
  59,
  60,
  1.5,
  -0,
  525_600,
  525_601,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  253_402_300_799,
  253_402_300_800,
];

function hostileValue(depth = 0): unknown {
  const r = random();
  if (r < 0.45) return pick(HOSTILE_STRINGS);
  if (r < 0.75) return pick(HOSTILE_NUMBERS);
  if (r < 0.8) return pick([true, false, null]);
  if (depth > 2) return null;
  if (r < 0.9) return Array.from({ length: Math.floor(random() * 4) }, () => hostileValue(depth + 1));
  return Object.fromEntries(
    Array.from({ length: Math.floor(random() * 3) }, () => [pick(HOSTILE_STRINGS), hostileValue(depth + 1)]),
  );
}

const BODY_KEYS = ["aggregation", "stock_symbol", "period", "field", "end"];
const QUERY_KEYS = ["symbol", "from", "to", "interval", "limit", "changes_only"];

function hostileBody(): string {
  const r = random();
  if (r < 0.08)
    return pick(["{", "}", "{not json", "[1,2", '{"period":}', "null", "[]", '"x"', "1", "", "\u0000"]);
  const body: Record<string, unknown> = {};
  for (const key of BODY_KEYS) if (random() < 0.8) body[key] = hostileValue();
  if (random() < 0.15) body[pick(HOSTILE_STRINGS)] = hostileValue();
  const text = JSON.stringify(body);
  // Sometimes a JSON-level trick the object form cannot express: duplicate keys, a __proto__ key.
  if (random() < 0.05) return text.replace(/^\{/, '{"__proto__":{"period":5},"period":1,');
  return text;
}

function hostileQuery(): string {
  const params = new URLSearchParams();
  for (const key of QUERY_KEYS) if (random() < 0.6) params.append(key, String(hostileValue()));
  if (random() < 0.1) params.append(pick(QUERY_KEYS), String(hostileValue()));
  if (random() < 0.1) params.append(pick(HOSTILE_STRINGS), "1");
  const text = params.toString();
  return random() < 0.05 ? `${text}&%E0%A4%A=%ZZ` : text;
}

const POST_PATHS = ["/api/aggregate/", "/api/summarize/", "/api/summarize/multiple/"];
const GET_PATHS = [
  "/api/candles",
  "/api/signals",
  "/api/signals/latest",
  "/api/symbols",
  "/api/signals/stream",
];
const OTHER_PATHS = [
  "/healthz",
  "/readyz",
  "/openapi.json",
  "/docs",
  "/api/",
  "/api/aggregate",
  "/%2e%2e/",
  "/api/signals/%00",
];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

/** Header values must be printable ASCII (fetch refuses the rest before the app sees them). */
const printable = (text: string) =>
  [...text].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) < 0x7f).join("");

function hostileRequest(): { path: string; init: RequestInit } {
  const r = random();
  const headers: Record<string, string> = {};
  if (random() < 0.9)
    headers["content-type"] =
      random() < 0.9
        ? "application/json"
        : pick([
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/json; charset=utf-16",
            "multipart/form-data",
          ]);
  if (random() < 0.05) headers["last-event-id"] = printable(pick(HOSTILE_STRINGS));
  if (random() < 0.05) headers.authorization = "Bearer ' OR 1=1";
  if (r < 0.5) {
    const method = random() < 0.9 ? "POST" : pick(METHODS);
    const hasBody = method !== "GET" && method !== "HEAD";
    return { path: pick(POST_PATHS), init: { method, headers, ...(hasBody ? { body: hostileBody() } : {}) } };
  }
  if (r < 0.9)
    return {
      path: `${pick(GET_PATHS)}?${hostileQuery()}`,
      init: { method: random() < 0.9 ? "GET" : pick(METHODS), headers },
    };
  return { path: `${pick(OTHER_PATHS)}?${hostileQuery()}`, init: { method: pick(METHODS), headers } };
}

let t: TestApp;
beforeAll(async () => {
  t = await testApp({}, { stream: { heartbeatMs: 60_000, pollMs: 60_000 } });
});

test(`${REQUESTS} hostile requests: no 5xx, every refusal is JSON`, async () => {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const { path, init } = hostileRequest();
    const res = await t.app.request(path, init);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const isStream = res.headers.get("content-type")?.includes("text/event-stream");
    if (isStream) await res.body?.cancel();
    if (res.status >= 500)
      failures.push(
        `${init.method} ${path} ${String(init.body).slice(0, 200)} -> ${res.status} ${await res.text()}`,
      );
    else if (res.status >= 400 && init.method !== "HEAD") {
      const type = res.headers.get("content-type") ?? "";
      if (!type.includes("application/json"))
        failures.push(`${init.method} ${path} -> ${res.status} not JSON (${type})`);
      else await res.json();
    } else if (!isStream) await res.arrayBuffer();
  }
  expect(failures.slice(0, 10)).toEqual([]);
  // The mix must exercise both sides: plenty of refusals and plenty of real answers.
  const ok = statuses.get(200) ?? 0;
  expect(ok).toBeGreaterThan(REQUESTS * 0.05);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(REQUESTS * 0.3);
  // The table survived every injection attempt.
  expect((await t.store.symbols()).map((s) => s.rows)).toEqual([t.rows.ETHBTC.length, t.rows.XRPETH.length]);
}, 120_000);
