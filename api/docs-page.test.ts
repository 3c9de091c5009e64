import { beforeAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import { type Example, examplesOf } from "./examples.ts";
import { fieldMap } from "./fields.ts";
import { apiSchemas } from "./schemas.ts";
import { postJson, type TestApp, testApp } from "./testing/test-app.ts";

describe("/docs", () => {
  let t: TestApp;
  let html = "";
  let examples: Example[] = [];
  let operations = 0;
  beforeAll(async () => {
    t = await testApp();
    html = await (await t.app.request("/docs")).text();
    const spec = (await (await t.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    examples = examplesOf(spec);
    operations = Object.values(spec.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
  });

  test("every endpoint has an example request and response; the page links to the chart", () => {
    expect(examples.length).toBe(operations);
    expect(html.match(/<h3>Example request<\/h3>/g)?.length).toBe(operations);
    expect(html.match(/<h3>Example response<\/h3>/g)?.length).toBe(operations);
    expect(html).toContain('<a href="/">Live chart page</a>');
  });

  test("descriptions are rendered as Markdown, with raw HTML kept as text", () => {
    // The candles summary has `interval` in backticks; the period parameter has `end` in backticks.
    expect(html).toContain("<code>interval</code>");
    expect(html).not.toMatch(/`interval`/);
    expect(html).not.toMatch(/<script/i);
  });

  test("every example request is accepted by the route it documents", async () => {
    for (const example of examples) {
      if (example.contentType === "text/event-stream") {
        // The stream never ends: check that it opens, then let it go.
        const controller = new AbortController();
        const response = await t.app.request(example.url, { signal: controller.signal });
        expect(response.status, example.url).toBe(200);
        await response.body?.cancel();
        controller.abort();
        continue;
      }
      const response =
        example.method === "POST"
          ? await postJson(t.app, example.url, example.body)
          : await t.app.request(example.url);
      expect(response.status, `${example.method} ${example.url}`).toBe(200);
      expect(response.headers.get("content-type") ?? "", example.url).toContain(example.contentType);
      await response.arrayBuffer();
    }
  });

  test("every example response matches the route's response schema", () => {
    const schemas = apiSchemas(t.config, fieldMap(t.config));
    const responseSchemas: Record<string, v.GenericSchema> = {
      "POST /api/aggregate/": schemas.AggregateResponse,
      "POST /api/summarize/": schemas.SummarizeResponse,
      "POST /api/summarize/multiple/": schemas.SummarizeMultipleResponse,
      "GET /api/symbols": schemas.SymbolsResponse,
      "GET /api/candles": schemas.CandlesResponse,
      "GET /api/signals": schemas.SignalsResponse,
      "GET /api/signals/latest": schemas.SignalsResponse,
    };
    for (const [key, schema] of Object.entries(responseSchemas)) {
      const example = examples.find((e) => `${e.method} ${e.path}` === key);
      expect(example, key).toBeDefined();
      const result = v.safeParse(schema, example?.response);
      expect(
        result.issues?.map((i) => `${i.path?.map((p) => p.key).join(".")}: ${i.message}`) ?? [],
        key,
      ).toEqual([]);
    }
    const errorSchema = schemas.Error;
    for (const example of examples)
      if (example.error) expect(v.is(errorSchema, example.error.body)).toBe(true);
  });
});
