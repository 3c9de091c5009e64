/**
 * What a signal alert says, in English (default) or Persian (`NOTIFY_LANG=fa`), for each kind of
 * channel. The English Slack text is exactly the embedded Slack notifier's (and Grafana's alert's),
 * so a Slack channel reads the same whichever sends it.
 *
 * Prices: Nobitex's candles quote IRT markets in toman, so an IRT close is shown as toman; Tether
 * (USDT) markets in USDT; other quotes as bare numbers. Times are Asia/Tehran; Persian dates are in
 * the Persian (Jalali) calendar with Persian digits (Intl, no table of our own).
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import {
  formatChange,
  formatClose,
  formatRsi,
  formatTehranTime,
  MESSAGE_TIMEZONE,
  TEHRAN_MINUTE,
} from "../slack-notifier.ts";

export type NotifyLang = "en" | "fa";

/** A live signal change worth a message: a change to BUY or SELL on a candle. */
export interface SignalAlert {
  symbol: string;
  signal: "BUY" | "SELL";
  openTime: number;
  close: number;
  rsi: number | null;
  sma: number | null;
  ema: number | null;
  /** The chart page on this symbol. */
  link: string;
}

export const alertOf = (row: IndicatorRow, link: string): SignalAlert | undefined =>
  row.signal === "HOLD"
    ? undefined
    : {
        symbol: row.symbol,
        signal: row.signal,
        openTime: row.openTime,
        close: row.close,
        rsi: row.rsi,
        sma: row.sma,
        ema: row.ema,
        link,
      };

/** The unit a market's prices are in, from its quote: IRT candles are toman. */
export function quoteUnit(symbol: string): "toman" | "USDT" | undefined {
  if (symbol.endsWith("IRT")) return "toman";
  if (symbol.endsWith("USDT")) return "USDT";
  return undefined;
}

const FA_SIGNAL = { BUY: "خرید", SELL: "فروش" } as const;
const FA_UNIT = { toman: "تومان", USDT: "تتر" } as const;
const EMOJI = { BUY: "🟢", SELL: "🔴" } as const;

const jalali = new Intl.DateTimeFormat("fa-IR-u-ca-persian", TEHRAN_MINUTE);

/** `۱۴۰۵/۰۹/۱۰ ۱۸:۳۰`: the Jalali date and the time in Tehran, Persian digits. */
export function formatJalaliTehran(ms: number): string {
  const part = Object.fromEntries(jalali.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${part.year}/${part.month}/${part.day} ${part.hour}:${part.minute}`;
}

/** Decimals as the English text uses (formatClose): none from 1000 up, 4 from 1, else 8. */
const decimalsFor = (x: number) => (x >= 1000 ? 0 : x >= 1 ? 4 : 8);

/** A price in Persian digits with thousands separators (۱٬۲۳۴٬۵۶۷), trailing zeros dropped. */
export function formatPersianNumber(x: number, maxDecimals = decimalsFor(x)): string {
  return new Intl.NumberFormat("fa-IR", { maximumFractionDigits: maxDecimals }).format(x);
}

function persianLines(a: SignalAlert): string[] {
  const unit = quoteUnit(a.symbol);
  const price = `${formatPersianNumber(a.close)}${unit ? ` ${FA_UNIT[unit]}` : ""}`;
  return [
    `${EMOJI[a.signal]} سیگنال ${FA_SIGNAL[a.signal]} ${a.symbol}`,
    `قیمت پایانی: ${price}`,
    `RSI: ${a.rsi === null ? "—" : formatPersianNumber(a.rsi, 2)}`,
    `زمان: ${formatJalaliTehran(a.openTime)} (به وقت تهران)`,
  ];
}

/** Slack mrkdwn. */
export function slackText(a: SignalAlert, lang: NotifyLang): string {
  if (lang === "en") return formatChange(a, a.link);
  return [...persianLines(a), `<${a.link}|نمودار>`].join("\n");
}

/** Plain text (Telegram, Bale, the webhook's `text`): no markup, so nothing needs escaping. */
export function plainText(a: SignalAlert, lang: NotifyLang): string {
  if (lang === "fa") return [...persianLines(a), `نمودار: ${a.link}`].join("\n");
  const unit = quoteUnit(a.symbol);
  return (
    `${a.symbol} → ${a.signal} at ${formatTehranTime(a.openTime)} (${MESSAGE_TIMEZONE})` +
    ` · close ${formatClose(a.close)}${unit ? ` ${unit}` : ""} · RSI ${formatRsi(a.rsi)}\n${a.link}`
  );
}

export function testText(lang: NotifyLang, channel: string): string {
  return lang === "fa"
    ? `پیام آزمایشی شمعدان: کانال ${channel} درست تنظیم شده است.`
    : `Shamdan test message: the ${channel} channel is set up correctly.`;
}
