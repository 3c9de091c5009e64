/**
 * The message formats as JSON Schema, generated from the valibot schemas the code validates with
 * (@valibot/to-json-schema), for readers outside Shamdan: `bun run shamdan schemas generate` writes
 * docs/schemas/, and a test fails when the committed files differ from what the code generates.
 * Rules JSON Schema cannot state (a `v.check` across fields, a clock-relative bound) are named in
 * each schema's description; valibot stays the authority.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CandleMessageSchema, IndicatorRowSchema } from "@shamdan/shared/core/messages";
import { UdfResponseSchema } from "@shamdan/shared/core/udf";
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";

export const SCHEMAS_DIR = join(import.meta.dir, "..", "docs", "schemas");

interface MessageSchema {
  file: string;
  title: string;
  description: string;
  schema: v.GenericSchema;
}

export const MESSAGE_SCHEMAS: readonly MessageSchema[] = [
  {
    file: "candle-message.schema.json",
    title: "CandleMessage",
    description:
      "One 1-minute OHLCV candle, published by ingest on `<symbol>_topic` (key = symbol); openTime is " +
      "the candle's open time in epoch milliseconds UTC. Also enforced: every value is finite, " +
      "low <= min(open, close) <= max(open, close) <= high, and openTime is at most one day ahead of " +
      "the consumer's clock.",
    schema: CandleMessageSchema,
  },
  {
    file: "indicator-row.schema.json",
    title: "IndicatorRow",
    description:
      "One processed row, published by the processor on `output_topic` (key = symbol): the candle, its " +
      "indicators and its signal. An indicator is null while warming up or where it is undefined, " +
      "never 0. Also enforced: every number is finite. On the topic a row is this JSON with " +
      "OUTPUT_FORMAT=json, or by default the binary layout of docs/contracts.md with the same fields.",
    schema: IndicatorRowSchema,
  },
  {
    file: "nobitex-udf-response.schema.json",
    title: "Nobitex UDF history response",
    description:
      "The body of Nobitex `GET /market/udf/history` as ingest accepts it (docs/nobitex.md). Also " +
      "enforced for `ok`: t, o, h, l, c and v have equal length and t is strictly increasing (unix " +
      "seconds).",
    schema: UdfResponseSchema,
  },
];

/** File name → file text, exactly as `generate` writes it. */
export function generateJsonSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const { file, title, description, schema } of MESSAGE_SCHEMAS) {
    // errorMode "ignore": checks and transforms have no JSON Schema form; the description names them.
    const { $schema, ...body } = toJsonSchema(schema, { errorMode: "ignore" });
    const document = { $schema, $id: file, title, description, ...body };
    files.set(file, `${JSON.stringify(document, null, 2)}\n`);
  }
  return files;
}

export async function writeJsonSchemas(dir: string = SCHEMAS_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = generateJsonSchemas();
  for (const [file, text] of files) await writeFile(join(dir, file), text);
  return [...files.keys()];
}

/** Files that are missing, differ, or are no longer generated (empty when up to date). */
export async function jsonSchemaDrift(dir: string = SCHEMAS_DIR): Promise<string[]> {
  const files = generateJsonSchemas();
  const drift: string[] = [];
  for (const [file, text] of files) {
    const onDisk = await readFile(join(dir, file), "utf8").catch(() => undefined);
    if (onDisk !== text) drift.push(onDisk === undefined ? `${file} (missing)` : file);
  }
  const present = await readdir(dir).catch(() => [] as string[]);
  for (const file of present)
    if (file.endsWith(".schema.json") && !files.has(file)) drift.push(`${file} (not generated)`);
  return drift;
}
