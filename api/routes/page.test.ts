import { beforeAll, describe, expect, test } from "bun:test";
import { type TestApp, testApp } from "../testing/test-app.ts";

/** Gzipped script budget: the page plus lightweight-charts is about 65 KB today. */
const SCRIPT_GZIP_BUDGET = 100 * 1024;

describe("GET / (the chart page)", () => {
  let t: TestApp;
  let html = "";
  let script = "";
  beforeAll(async () => {
    t = await testApp();
    const response = await t.app.request("/");
    html = await response.text();
    script = /<script type="module" src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? "";
  }, 30_000);

  test("serves the HTML, revalidated by ETag, with the stylesheet inline and one hashed script", async () => {
    const response = await t.app.request("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(html).toContain('<div id="chart"');
    expect(html).toContain("--accent:");
    expect(html).not.toMatch(/https?:\/\//);
    expect(script).toMatch(/^\/assets\/main-[a-z0-9]+\.js$/);
    const etag = response.headers.get("etag") as string;
    const again = await t.app.request("/", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  test("the script is cached for good, gzipped on request, and within its size budget", async () => {
    const plain = await t.app.request(script);
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toContain("text/javascript");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const body = new Uint8Array(await plain.arrayBuffer());
    // The bundle carries lightweight-charts itself (its DOM class names) and the page: no CDN.
    const text = new TextDecoder().decode(body);
    expect(text).toContain("tv-lightweight-charts");
    expect(text).toContain("__shamdan");
    const gzipped = await t.app.request(script, { headers: { "accept-encoding": "gzip, br" } });
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    const zipped = new Uint8Array(await gzipped.arrayBuffer());
    expect(Bun.gunzipSync(zipped)).toEqual(body);
    expect(zipped.length).toBeLessThan(SCRIPT_GZIP_BUDGET);
  });

  test("an unknown asset is a JSON 404; the page stays open when API_TOKEN guards /api", async () => {
    const missing = await t.app.request("/assets/nope.js");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });
    const guarded = await testApp({ API_TOKEN: "secret-token-for-tests" });
    expect((await guarded.app.request("/")).status).toBe(200);
    expect((await guarded.app.request("/api/symbols")).status).toBe(401);
  });

  test("/openapi.json lists the page", async () => {
    const spec = (await (await t.app.request("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain("/");
  });
});
