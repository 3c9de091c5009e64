/**
 * How an `IndicatorRow` travels on `output_topic`: a fixed binary layout by default (`OUTPUT_FORMAT=binary`),
 * or the JSON text of the row (`OUTPUT_FORMAT=json`). Readers accept both, told apart by the first
 * byte (a JSON row starts with `{`), so a topic holding rows of both kinds (an upgrade, a change of
 * the setting) reads the same. Why binary: finding the shortest text of a full-precision double is
 * the most expensive step of producing a JSON row, and parsing it back of reading one
 * (processor/README.md, "The row format").
 *
 * Binary layout, version 2 (all numbers little-endian):
 *
 * | offset | bytes | field |
 * | --- | --- | --- |
 * | 0 | 1 | `0x02`, the format (JSON rows are version 1) |
 * | 1 | 1 | signal: 0 `HOLD`, 1 `BUY`, 2 `SELL` |
 * | 2 | 1 | flags: bit 0 `signalChanged`, bit 1 `replaced`; other bits 0 |
 * | 3 | 1 | symbol length n (the symbol is 2-20 ASCII letters or digits) |
 * | 4 | 2 | null mask: bit i set when number i below is null |
 * | 6 | 2 | 0 |
 * | 8 | 8 | `openTime`, float64 (epoch milliseconds) |
 * | 16 | 14 x 8 | `open`, `high`, `low`, `close`, `volume`, `sma`, `ema`, `delta`, `gain`, `loss`, `avgGain`, `avgLoss`, `rs`, `rsi`: float64, 0 where null |
 * | 128 | n | the symbol, ASCII |
 *
 * Both formats carry the same values: a non-finite number is null in either (JSON has no other
 * way to write it) and -0 is 0 (as JSON writes it).
 */
import type { OUTPUT_FORMATS } from "./config.ts";
import { type IndicatorRow, IndicatorRowSchema, ROW_NUMBER_FIELDS, SignalKind } from "./messages.ts";
import { type Parsed, parseValue, readJson } from "./parse-message.ts";

export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** First byte of a binary row. */
export const BINARY_ROW_MARKER = 0x02;
/** Bytes before the symbol. */
export const BINARY_ROW_HEADER = 16 + 8 * ROW_NUMBER_FIELDS.length;
const MAX_SYMBOL_BYTES = 255;
const SIGNALS = [SignalKind.HOLD, SignalKind.BUY, SignalKind.SELL] as const;
const SIGNAL_CODE: Partial<Record<string, number>> = { HOLD: 0, BUY: 1, SELL: 2 };
const NULL_MASK_BITS = (1 << ROW_NUMBER_FIELDS.length) - 1;
/** Rows are encoded into buffers of this size, each row a view of one (fewer allocations than a buffer per row). */
const SLAB_BYTES = 256 * 1024;

/** Whether a row fits the binary layout: its symbol and signal (always, for a row built from a valid candle). */
function fitsBinary(row: IndicatorRow): boolean {
  const symbol = row.symbol;
  if (SIGNAL_CODE[row.signal] === undefined) return false;
  if (symbol.length === 0 || symbol.length > MAX_SYMBOL_BYTES) return false;
  for (let i = 0; i < symbol.length; i++) if (symbol.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Encodes rows for `output_topic`. Binary rows are views into shared slabs: a slab lives as long as
 * any of its rows does (until they are published).
 */
export class RowEncoder {
  private slab = Buffer.alloc(0);
  private view = new DataView(this.slab.buffer);
  private used = 0;

  constructor(readonly format: OutputFormat) {}

  encode(row: IndicatorRow): Uint8Array | string {
    // A row outside the layout cannot come from a valid candle; JSON still carries it faithfully.
    if (this.format === "json" || !fitsBinary(row)) return JSON.stringify(row);
    const symbol = row.symbol;
    const size = BINARY_ROW_HEADER + symbol.length;
    if (this.used + size > this.slab.length) {
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, size));
      this.view = new DataView(this.slab.buffer, this.slab.byteOffset, this.slab.byteLength);
      this.used = 0;
    }
    const start = this.used;
    const slab = this.slab;
    const view = this.view;
    slab[start] = BINARY_ROW_MARKER;
    slab[start + 1] = SIGNAL_CODE[row.signal] as number;
    slab[start + 2] = (row.signalChanged ? 1 : 0) | (row.replaced ? 2 : 0);
    slab[start + 3] = symbol.length;
    view.setFloat64(start + 8, row.openTime, true);
    // Field by field (not a loop over ROW_NUMBER_FIELDS): a lookup by computed key per number cost more
    // than the rest of the encoding.
    const at = start + 16;
    const nulls =
      putNumber(view, at, 0, row.open) |
      putNumber(view, at, 1, row.high) |
      putNumber(view, at, 2, row.low) |
      putNumber(view, at, 3, row.close) |
      putNumber(view, at, 4, row.volume) |
      putNumber(view, at, 5, row.sma) |
      putNumber(view, at, 6, row.ema) |
      putNumber(view, at, 7, row.delta) |
      putNumber(view, at, 8, row.gain) |
      putNumber(view, at, 9, row.loss) |
      putNumber(view, at, 10, row.avgGain) |
      putNumber(view, at, 11, row.avgLoss) |
      putNumber(view, at, 12, row.rs) |
      putNumber(view, at, 13, row.rsi);
    view.setUint16(start + 4, nulls, true);
    view.setUint16(start + 6, 0, true);
    const text = start + BINARY_ROW_HEADER;
    for (let i = 0; i < symbol.length; i++) slab[text + i] = symbol.charCodeAt(i);
    this.used = start + size;
    return slab.subarray(start, start + size);
  }
}

/** Writes number `index` of a row at `at`; returns its null-mask bit (0 when it is a number). */
function putNumber(view: DataView, at: number, index: number, value: number | null): number {
  if (value === null || !Number.isFinite(value)) {
    view.setFloat64(at + 8 * index, 0, true);
    return 1 << index;
  }
  view.setFloat64(at + 8 * index, value + 0, true); // + 0 turns -0 into 0
  return 0;
}

/** The last decoded symbol: a topic's rows mostly repeat a few symbols, so its text is reused. */
let lastSymbol = "";

/**
 * The row object a message holds (binary or JSON), with the same keys in the same order as the
 * processor's JSON rows; not validated: readers check it with `IndicatorRowSchema` or their own checks.
 */
export function readRowValue(bytes: Uint8Array): Parsed<unknown> {
  if (bytes[0] !== BINARY_ROW_MARKER) return readJson(bytes);
  if (bytes.length < BINARY_ROW_HEADER)
    return {
      ok: false,
      reason: `binary row: ${bytes.length} bytes, shorter than its ${BINARY_ROW_HEADER}-byte header`,
    };
  const symbolBytes = bytes[3] as number;
  if (bytes.length !== BINARY_ROW_HEADER + symbolBytes)
    return {
      ok: false,
      reason: `binary row: ${bytes.length} bytes, expected ${BINARY_ROW_HEADER + symbolBytes} for a ${symbolBytes}-byte symbol`,
    };
  const signal = SIGNALS[bytes[1] as number];
  if (signal === undefined) return { ok: false, reason: `binary row: unknown signal code ${bytes[1]}` };
  const flags = bytes[2] as number;
  if (flags > 3) return { ok: false, reason: `binary row: unknown flag bits ${flags}` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nulls = view.getUint16(4, true);
  if ((nulls & ~NULL_MASK_BITS) !== 0 || view.getUint16(6, true) !== 0)
    return { ok: false, reason: "binary row: reserved bits are set" };
  const number = (index: number) => ((nulls >> index) & 1 ? null : view.getFloat64(16 + 8 * index, true));
  return {
    ok: true,
    value: {
      v: 1,
      symbol: symbolText(bytes, BINARY_ROW_HEADER, symbolBytes),
      openTime: view.getFloat64(8, true),
      open: number(0),
      high: number(1),
      low: number(2),
      close: number(3),
      volume: number(4),
      sma: number(5),
      ema: number(6),
      delta: number(7),
      gain: number(8),
      loss: number(9),
      avgGain: number(10),
      avgLoss: number(11),
      rs: number(12),
      rsi: number(13),
      signal,
      signalChanged: (flags & 1) !== 0,
      replaced: (flags & 2) !== 0,
    },
  };
}

/** A row message (binary or JSON) checked against `IndicatorRowSchema`, or why it is not a row. */
export function parseRowMessage(bytes: Uint8Array): Parsed<IndicatorRow> {
  const read = readRowValue(bytes);
  return read.ok ? parseValue(IndicatorRowSchema, read.value) : read;
}

/** The symbol's bytes as text, one char per byte (a non-ASCII byte then fails the symbol check). */
function symbolText(bytes: Uint8Array, from: number, length: number): string {
  if (lastSymbol.length === length) {
    let same = true;
    for (let i = 0; i < length && same; i++) same = bytes[from + i] === lastSymbol.charCodeAt(i);
    if (same) return lastSymbol;
  }
  let text = "";
  for (let i = 0; i < length; i++) text += String.fromCharCode(bytes[from + i] as number);
  lastSymbol = text;
  return text;
}
