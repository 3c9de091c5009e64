/**
 * Typed reads of the values a query returns, at the adapters' boundary. Both drivers hand back
 * `Record<string, unknown>`; a column of the wrong type (a renamed or retyped column, a table written
 * by something else) or a NULL where the table contract has none must fail loudly here, naming the
 * column, rather than turn into NaN, "undefined" or an unknown signal further on.
 *
 * Hand-written checks rather than a schema library: these run for every column of every row read
 * (`Store.rows` maps up to 10k rows per request), and a plain `typeof` costs next to nothing.
 */
import { ShamdanError } from "../core/errors.ts";
import type { SignalKind } from "../core/messages.ts";

/** One record as a driver returns it, keyed by the names the SELECT gave its columns. */
export type StoredRecord = Readonly<Record<string, unknown>>;

function badRow(column: string, want: string, value: unknown): ShamdanError {
  const got =
    value === undefined
      ? "missing"
      : value === null
        ? "NULL"
        : typeof value === "string"
          ? `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
          : `${typeof value} ${String(value)}`;
  return new ShamdanError("STORE_BAD_ROW", `stored column "${column}" is ${got}, want ${want}`);
}

/**
 * A finite number. 64-bit integers (epoch ms, counts) arrive as decimal text from postgres.js and
 * as bigint from bun:sqlite in safe-integer mode; both are accepted when they read as a number.
 */
export function numberAt(record: StoredRecord, column: string): number {
  const value = record[column];
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
  } else if (typeof value === "bigint") {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  } else if (typeof value === "string" && value !== "" && value.trim() === value) {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  throw badRow(column, "a finite number", value);
}

/** A finite number, or NULL (an indicator still warming up, an aggregate over no rows). */
export function numberOrNullAt(record: StoredRecord, column: string): number | null {
  const value = record[column];
  if (value === null) return null;
  // The common case first: a double column read as a JS number.
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return numberAt(record, column);
}

/** Non-empty text (a symbol). */
export function textAt(record: StoredRecord, column: string): string {
  const value = record[column];
  if (typeof value === "string" && value !== "") return value;
  throw badRow(column, "non-empty text", value);
}

/** A boolean: QuestDB's BOOLEAN arrives as one; SQLite stores it as the integer 0 or 1. */
export function booleanAt(record: StoredRecord, column: string): boolean {
  const value = record[column];
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  throw badRow(column, "a boolean (or 0/1)", value);
}

/** One of the signal kinds. */
export function signalAt(record: StoredRecord, column: string): SignalKind {
  const value = record[column];
  if (value === "BUY" || value === "SELL" || value === "HOLD") return value;
  throw badRow(column, "BUY, SELL or HOLD", value);
}

/** The one row an aggregate query always returns (over no rows: NULLs and a count of 0). */
export function onlyRecord(records: readonly StoredRecord[], query: string): StoredRecord {
  const [record] = records;
  if (record === undefined || records.length !== 1)
    throw new ShamdanError("STORE_BAD_ROW", `${query} returned ${records.length} rows, want exactly 1`);
  return record;
}
