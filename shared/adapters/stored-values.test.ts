import { describe, expect, test } from "bun:test";
import { ShamdanError } from "../core/errors.ts";
import { booleanAt, numberAt, numberOrNullAt, onlyRecord, signalAt, textAt } from "./stored-values.ts";

/** The STORE_BAD_ROW error `read` throws: not retryable, and its message names the column. */
function badRow(read: () => unknown): ShamdanError {
  try {
    read();
  } catch (error) {
    if (error instanceof ShamdanError && error.code === "STORE_BAD_ROW" && !error.canRetry) return error;
    throw error;
  }
  throw new Error("expected a STORE_BAD_ROW error, got a value");
}

describe("values read back from the store", () => {
  test("numbers: JS numbers, and 64-bit integers as decimal text (postgres.js) or bigint (bun:sqlite)", () => {
    expect(numberAt({ c: 1.5 }, "c")).toBe(1.5);
    expect(numberAt({ c: "1516406400000" }, "c")).toBe(1_516_406_400_000);
    expect(numberAt({ c: "-3" }, "c")).toBe(-3);
    expect(numberAt({ c: 42n }, "c")).toBe(42);
    expect(numberOrNullAt({ c: null }, "c")).toBeNull();
    expect(numberOrNullAt({ c: 0 }, "c")).toBe(0);
    expect(numberOrNullAt({ c: "7" }, "c")).toBe(7);
  });

  test("a wrong type, a NULL where none is allowed or a missing column names the column", () => {
    expect(badRow(() => numberAt({ close: null }, "close")).message).toBe(
      'stored column "close" is NULL, want a finite number',
    );
    expect(badRow(() => numberAt({}, "close")).message).toBe(
      'stored column "close" is missing, want a finite number',
    );
    expect(badRow(() => numberAt({ close: "abc" }, "close")).message).toContain('the text "abc"');
    for (const value of ["", " 1", "NaN", Number.NaN, Number.POSITIVE_INFINITY, true, 2n ** 60n, {}])
      expect(badRow(() => numberOrNullAt({ sma: value }, "sma")).message).toContain('stored column "sma"');
    expect(badRow(() => numberOrNullAt({}, "rsi")).message).toContain('"rsi" is missing');
    expect(badRow(() => textAt({ symbol: "" }, "symbol")).message).toContain('"symbol"');
    expect(badRow(() => textAt({ symbol: 3 }, "symbol")).message).toBe(
      'stored column "symbol" is number 3, want non-empty text',
    );
  });

  test("booleans: QuestDB's BOOLEAN or SQLite's 0/1, nothing else", () => {
    expect(booleanAt({ b: true }, "b")).toBe(true);
    expect(booleanAt({ b: 0 }, "b")).toBe(false);
    expect(booleanAt({ b: 1 }, "b")).toBe(true);
    for (const value of [2, "true", null, undefined])
      expect(badRow(() => booleanAt({ b: value }, "b")).message).toContain('"b"');
  });

  test("signals: the three kinds only", () => {
    for (const kind of ["BUY", "SELL", "HOLD"] as const)
      expect(signalAt({ signal: kind }, "signal")).toBe(kind);
    expect(badRow(() => signalAt({ signal: "buy" }, "signal")).message).toBe(
      'stored column "signal" is the text "buy", want BUY, SELL or HOLD',
    );
    expect(badRow(() => signalAt({ signal: null }, "signal")).message).toContain("NULL");
    expect(badRow(() => signalAt({ signal: "x".repeat(100) }, "signal")).message.length).toBeLessThan(120);
  });

  test("an aggregate answers exactly one row", () => {
    expect(onlyRecord([{ v: 1 }], "aggregate")).toEqual({ v: 1 });
    expect(badRow(() => onlyRecord([], "aggregate")).message).toBe(
      "aggregate returned 0 rows, want exactly 1",
    );
    expect(badRow(() => onlyRecord([{}, {}], "summarize")).message).toContain("2 rows");
  });
});
