/**
 * Bytes -> validated message, or the reason it is not one. Never throws: a bad message is a value
 * (it goes to the dead-letter topic), not an exception that would stop the consumer group.
 */

import * as v from "valibot";
import { textDecoder } from "./bus.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseMessage<S extends v.GenericSchema>(
  schema: S,
  bytes: Uint8Array,
): Parsed<v.InferOutput<S>> {
  const json = readJson(bytes);
  return json.ok ? parseValue(schema, json.value) : json;
}

/** The JSON value in `bytes` (UTF-8), not yet validated, or why there is none. */
export function readJson(bytes: Uint8Array): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(textDecoder.decode(bytes)) };
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** A decoded value → validated message, or the schema's reasons. */
export function parseValue<S extends v.GenericSchema>(schema: S, value: unknown): Parsed<v.InferOutput<S>> {
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.output };
  const issues = result.issues.map((issue) => {
    const path = issue.path?.map((p) => String(p.key)).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return { ok: false, reason: `schema: ${issues.join("; ")}` };
}
