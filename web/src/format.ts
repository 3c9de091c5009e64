/**
 * Pure formatting helpers of the chart page (no DOM, so `bun test` covers them): time zones and the
 * Persian calendar through Intl, prices with thousands separators in rial or toman.
 */

export type Calendar = "gregory" | "persian";
export type PriceUnit = "toman" | "rial";

export interface TimeSettings {
  timeZone: string;
  calendar: Calendar;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

/** Milliseconds `timeZone` is ahead of UTC at instant `utcMs` (Asia/Tehran: +3:30). */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  if (timeZone === "UTC") return 0;
  // Offsets change at most on the hour in every zone Intl knows, so one lookup per hour suffices.
  const hour = Math.floor(utcMs / 3_600_000);
  const key = `${timeZone}|${hour}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    offsetFormats.set(timeZone, format);
  }
  const at = hour * 3_600_000;
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
  );
  const offset = asUtc - at;
  if (offsetCache.size > 10_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/**
 * The chart library lays out and labels time as if it were UTC. Shifting each instant by its zone's
 * offset makes its tick marks fall on local hours and days; `fromChartTime` undoes it.
 */
export function toChartTime(utcMs: number, timeZone: string): number {
  return Math.floor((utcMs + zoneOffsetMs(utcMs, timeZone)) / 1000);
}

export function fromChartTime(chartSeconds: number, timeZone: string): number {
  const shifted = chartSeconds * 1000;
  // The offset at the shifted instant is the right one except within hours of a DST change; a second
  // lookup at the corrected instant settles it.
  const guess = shifted - zoneOffsetMs(shifted, timeZone);
  return shifted - zoneOffsetMs(guess, timeZone);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(settings: TimeSettings, style: string): Intl.DateTimeFormat {
  const key = `${settings.timeZone}|${settings.calendar}|${style}`;
  let format = dateFormats.get(key);
  if (format) return format;
  // Persian month names with Latin digits: readable alongside the Latin-digit prices.
  const locale = settings.calendar === "persian" ? "fa-IR-u-ca-persian-nu-latn" : "en-GB";
  const options: Intl.DateTimeFormatOptions = { timeZone: settings.timeZone, hourCycle: "h23" };
  if (style === "time") Object.assign(options, { hour: "2-digit", minute: "2-digit" });
  else if (style === "day") Object.assign(options, { day: "numeric", month: "short" });
  else if (style === "month") Object.assign(options, { month: "short", year: "numeric" });
  else if (style === "year") Object.assign(options, { year: "numeric" });
  else
    Object.assign(options, {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    });
  format = new Intl.DateTimeFormat(locale, options);
  dateFormats.set(key, format);
  return format;
}

export type TimeStyle = "time" | "day" | "month" | "year" | "full";

export function formatTime(utcMs: number, settings: TimeSettings, style: TimeStyle = "full"): string {
  return dateFormat(settings, style).format(utcMs);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat("en-US", options);
    numberFormats.set(key, format);
  }
  return format;
}

/**
 * IRT markets: Nobitex's UDF candles quote them in toman (its order books and trades use rials; a
 * toman is ten rials). Other quote currencies are shown as served.
 */
export function isIrtMarket(symbol: string): boolean {
  return symbol.endsWith("IRT");
}

export function convertPrice(value: number, symbol: string, unit: PriceUnit): number {
  return isIrtMarket(symbol) && unit === "rial" ? value * 10 : value;
}

/**
 * A price with thousands separators and as many decimals as its size needs: whole tomans for large
 * amounts, four significant digits below 1 (some pairs trade far below one unit).
 */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return numberFormat("int", { maximumFractionDigits: 0 }).format(value);
  if (abs >= 1) return numberFormat("dec", { maximumFractionDigits: 2 }).format(value);
  if (abs === 0) return "0";
  return numberFormat("sig", { maximumSignificantDigits: 4 }).format(value);
}

export function formatPrice(value: number | null | undefined, symbol: string, unit: PriceUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return formatNumber(convertPrice(value, symbol, unit));
}

export function unitLabel(symbol: string, unit: PriceUnit): string {
  if (isIrtMarket(symbol)) return unit === "toman" ? "toman" : "rial";
  const quote = /(USDT|BTC|ETH)$/.exec(symbol)?.[1];
  return quote ?? "";
}

/** Highest, average and lowest of `values` (null when empty), like the API's summary statistics. */
export function stats(values: readonly number[]): { highest: number; avg: number; lowest: number } | null {
  if (values.length === 0) return null;
  let highest = -Infinity;
  let lowest = Infinity;
  let sum = 0;
  for (const v of values) {
    if (v > highest) highest = v;
    if (v < lowest) lowest = v;
    sum += v;
  }
  return { highest, avg: sum / values.length, lowest };
}
