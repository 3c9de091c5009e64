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
  let json: unknown;
  try {
    json = JSON.parse(textDecoder.decode(bytes));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const result = v.safeParse(schema, json);
  if (result.success) return { ok: true, value: result.output };
  const issues = result.issues.map((issue) => {
    const path = issue.path?.map((p) => String(p.key)).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return { ok: false, reason: `schema: ${issues.join("; ")}` };
}
