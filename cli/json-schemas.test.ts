import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { at } from "@shamdan/shared/testing/at";
import { generateJsonSchemas, jsonSchemaDrift, writeJsonSchemas } from "./json-schemas.ts";

test("the committed docs/schemas/ equal what the valibot schemas generate (`bun run shamdan schemas generate`)", async () => {
  expect(await jsonSchemaDrift()).toEqual([]);
});

test("the generated schemas name every field of the messages", () => {
  const files = generateJsonSchemas();
  const candle = JSON.parse(files.get("candle-message.schema.json") ?? "{}");
  expect(candle.required).toEqual([
    "v",
    "symbol",
    "resolution",
    "openTime",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "fetchedAt",
  ]);
  expect(candle.properties.symbol.pattern).toBe("^[A-Z0-9]{2,20}$");
  const row = JSON.parse(files.get("indicator-row.schema.json") ?? "{}");
  expect(row.properties.rsi).toEqual({ anyOf: [{ type: "number" }, { type: "null" }] });
  expect(row.properties.signal.enum).toEqual(["BUY", "SELL", "HOLD"]);
  const udf = JSON.parse(files.get("nobitex-udf-response.schema.json") ?? "{}");
  expect(
    udf.oneOf.map((variant: { properties: { s: { const: string } } }) => variant.properties.s.const),
  ).toEqual(["ok", "no_data", "error"]);
});

test("drift names a changed, a missing and a stray file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "schemas-"));
  try {
    const written = await writeJsonSchemas(dir);
    const [changed, missing] = [at(written, 0), at(written, 1)];
    expect(await jsonSchemaDrift(dir)).toEqual([]);
    writeFileSync(join(dir, changed), "{}\n");
    rmSync(join(dir, missing));
    writeFileSync(join(dir, "old.schema.json"), "{}\n");
    expect((await jsonSchemaDrift(dir)).sort()).toEqual(
      [changed, `${missing} (missing)`, "old.schema.json (not generated)"].sort(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
