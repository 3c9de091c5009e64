import { describe, expect, test } from "bun:test";
import { testRow } from "../testing/rows.ts";
import { textEncoder } from "./bus.ts";
import { type IndicatorRow, ROW_NUMBER_FIELDS } from "./messages.ts";
import { mulberry32 } from "./prng.ts";
import { BINARY_ROW_HEADER, parseRowMessage, RowEncoder, readRowValue } from "./row-codec.ts";

const row: IndicatorRow = testRow({
  symbol: "BTCIRT",
  ...{ sma: 10.9, ema: 10.8, delta: 0.5, gain: 0.5, loss: 0, avgGain: 0.3, avgLoss: 0.1, rsi: 75 },
  signal: "BUY",
  signalChanged: true,
});

/** Random rows over every kind of value a row can hold: full-precision, tiny, huge, negative, null. */
function randomRows(count: number, seed: number): IndicatorRow[] {
  const rnd = mulberry32(seed);
  const value = () => {
    const kind = Math.floor(rnd() * 6);
    if (kind === 0) return null;
    if (kind === 1) return rnd() * 10 ** Math.floor(rnd() * 36 - 18);
    if (kind === 2) return -rnd() * 1e6;
    if (kind === 3) return Math.round(rnd() * 1e6) / 100;
    return rnd();
  };
  const symbolChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return Array.from({ length: count }, () => {
    const length = 2 + Math.floor(rnd() * 19);
    let symbol = "";
    for (let i = 0; i < length; i++) symbol += symbolChars[Math.floor(rnd() * symbolChars.length)];
    const numbers = Object.fromEntries(
      ROW_NUMBER_FIELDS.map((f, i) => [f, i < 5 ? rnd() * 10 ** Math.floor(rnd() * 12 - 4) : value()]),
    );
    return {
      ...row,
      symbol,
      openTime: 1_262_304_000_000 + Math.floor(rnd() * 5e11),
      ...numbers,
      signal: (["BUY", "SELL", "HOLD"] as const)[Math.floor(rnd() * 3)] ?? "HOLD",
      signalChanged: rnd() < 0.5,
      replaced: rnd() < 0.5,
    } as IndicatorRow;
  });
}

const encodeBinary = (r: IndicatorRow) => new RowEncoder("binary").encode(r) as Uint8Array;

describe("row codec", () => {
  test("binary rows read back exactly, and as the same row their JSON text gives", () => {
    const encoder = new RowEncoder("binary");
    for (const r of randomRows(5000, 7)) {
      const bytes = encoder.encode(r);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect((bytes as Uint8Array).length).toBe(BINARY_ROW_HEADER + r.symbol.length);
      const read = readRowValue(bytes as Uint8Array);
      expect(read).toEqual({ ok: true, value: r });
      // Keys in the JSON row's order, so a row re-serialized from either format is the same text.
      expect(read.ok && JSON.stringify(read.value)).toBe(JSON.stringify(r));
      expect(parseRowMessage(bytes as Uint8Array)).toEqual(
        parseRowMessage(textEncoder.encode(JSON.stringify(r))),
      );
    }
  });

  test("rows stay intact while later rows fill and replace the shared buffers", () => {
    const encoder = new RowEncoder("binary");
    const rows = randomRows(6000, 11); // about three buffers' worth
    const encoded = rows.map((r) => encoder.encode(r) as Uint8Array);
    expect(new Set(encoded.map((b) => b.buffer)).size).toBeGreaterThan(1);
    encoded.forEach((bytes, i) => {
      expect(readRowValue(bytes)).toEqual({ ok: true, value: rows[i] });
    });
  });

  test("-0 and non-finite numbers read back as their JSON text reads: 0 and null", () => {
    const odd = { ...row, delta: -0, gain: Number.NaN, rs: Number.POSITIVE_INFINITY, avgLoss: -0 };
    const fromJson = JSON.parse(JSON.stringify(odd));
    const read = readRowValue(encodeBinary(odd));
    expect(read).toEqual({ ok: true, value: fromJson });
    expect(read.ok && Object.is((read.value as IndicatorRow).delta, 0)).toBe(true);
  });

  test("the layout: one row, byte for byte", () => {
    const hex = Buffer.from(encodeBinary(row)).toString("hex");
    const f64 = (x: number) => {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(x);
      return b.toString("hex");
    };
    const numbers = ROW_NUMBER_FIELDS.map((f) => f64(row[f] ?? 0)).join("");
    // marker 2, BUY = 1, flags: signalChanged = 1, symbol 6 bytes; null mask: rs (bit 12); reserved 0.
    const expected = `02010106${"0010"}0000${f64(row.openTime)}${numbers}${Buffer.from("BTCIRT").toString("hex")}`;
    expect(hex).toBe(expected);
  });

  test("OUTPUT_FORMAT=json writes the row's JSON text; a row outside the binary layout (symbol, signal) falls back to it", () => {
    expect(new RowEncoder("json").encode(row)).toBe(JSON.stringify(row));
    const odd = { ...row, symbol: "É".repeat(3) };
    expect(new RowEncoder("binary").encode(odd)).toBe(JSON.stringify(odd));
    const long = { ...row, symbol: "A".repeat(300) };
    expect(new RowEncoder("binary").encode(long)).toBe(JSON.stringify(long));
    const unknownSignal = { ...row, signal: "WAIT" } as unknown as IndicatorRow;
    expect(new RowEncoder("binary").encode(unknownSignal)).toBe(JSON.stringify(unknownSignal));
  });

  test("a broken binary row gets a reason naming what is wrong; JSON rows and junk read as before", () => {
    const good = encodeBinary(row);
    const changed = (at: number, byte: number) => {
      const copy = Uint8Array.from(good);
      copy[at] = byte;
      return copy;
    };
    const cases: [Uint8Array, string][] = [
      [good.subarray(0, 40), "shorter than its 128-byte header"],
      [good.subarray(0, good.length - 1), "expected 134 for a 6-byte symbol"],
      [Uint8Array.from([...good, 65]), "expected 134 for a 6-byte symbol"],
      [changed(1, 3), "unknown signal code 3"],
      [changed(2, 4), "unknown flag bits 4"],
      [changed(5, 0x40), "reserved bits are set"],
      [changed(6, 1), "reserved bits are set"],
    ];
    for (const [bytes, words] of cases) {
      const read = readRowValue(bytes);
      expect(read).toEqual({ ok: false, reason: expect.stringContaining(words) });
      expect(!read.ok && read.reason.startsWith("binary row: ")).toBe(true);
    }
    // Well-formed bytes whose values break the schema are refused by it, like a JSON row would be.
    const badSymbol = changed(BINARY_ROW_HEADER, "a".charCodeAt(0));
    expect(parseRowMessage(badSymbol)).toEqual({ ok: false, reason: expect.stringContaining("symbol") });
    expect(readRowValue(textEncoder.encode(JSON.stringify(row)))).toEqual({ ok: true, value: row });
    expect(readRowValue(textEncoder.encode("{"))).toEqual({
      ok: false,
      reason: expect.stringContaining("not JSON"),
    });
    expect(readRowValue(new Uint8Array())).toEqual({
      ok: false,
      reason: expect.stringContaining("not JSON"),
    });
  });
});
