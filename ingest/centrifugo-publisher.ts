/**
 * Plays a UDF server's candles into a Centrifugo server the way Nobitex's stream sends them: per symbol,
 * about every `intervalMs`, the latest (usually still forming) candle as it reads on the UDF endpoint,
 * on `public:candle-{SYMBOL}-{RESOLUTION}`, with `data` a JSON *string* of `{"t","o","h","l","c","v"}`.
 * Reading the UDF endpoint (the fake Nobitex) keeps the two sources of one exchange consistent, as they
 * are on Nobitex. Faults on demand (stream-faults.ts drives them): a symbol falls silent, raw (malformed)
 * data, any candle (an old one out of order, or the same one twice).
 */
import type { Candle } from "@shamdan/shared/core/udf";
import type { CentrifugoServer } from "./centrifugo-server.ts";
import { candleChannel } from "./push-candle.ts";
import { resolutionSeconds } from "./resolution.ts";

export interface CandlePublisherOptions {
  centrifugo: Pick<CentrifugoServer, "publish">;
  /** Base URL of the UDF server whose latest candles are played. */
  udfUrl: string;
  symbols: readonly string[];
  resolution: string;
  intervalMs: number;
  /** The UDF server's time (epoch ms): a fake's accelerated clock. */
  now?: () => number;
  /** Publish with the `fossil` delta (subscribers that asked for it get diffs). */
  delta?: boolean;
  onError?: (error: unknown) => void;
}

export interface CandlePublisher {
  /** Candles pushed so far per symbol, in order (what a subscriber should have received). */
  pushed: Map<string, Candle[]>;
  silence(symbol: string, silent: boolean): void;
  /** Publishes `data` as is (e.g. a malformed payload). */
  publishRaw(symbol: string, data: unknown): Promise<void>;
  /** Publishes one candle in Nobitex's format. */
  publishCandle(symbol: string, candle: Candle): Promise<void>;
  /** The latest candle the UDF server shows for a symbol now, or the one `back` candles before it. */
  latest(symbol: string, back?: number): Promise<Candle | undefined>;
  stop(): Promise<void>;
}

export const nobitexPushData = (c: Candle): string =>
  JSON.stringify({ t: c.openTime / 1000, o: c.open, h: c.high, l: c.low, c: c.close, v: c.volume });

export function startCandlePublisher(options: CandlePublisherOptions): CandlePublisher {
  const now = options.now ?? Date.now;
  const periodS = resolutionSeconds(options.resolution);
  const silent = new Set<string>();
  const pushed = new Map<string, Candle[]>(options.symbols.map((s) => [s, []]));
  let stopped = false;
  // `stop` ends the waits between pushes at once instead of after a whole interval (and leaves no timer).
  const timers = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();
  const pause = (ms: number) =>
    new Promise<void>((wake) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          wake();
        }, ms),
        wake,
      };
      timers.add(entry);
    });

  const latest = async (symbol: string, back = 0): Promise<Candle | undefined> => {
    const to = Math.floor(now() / 1000);
    const range = back === 0 ? `from=${to - 3 * periodS}` : `countback=${back + 1}`;
    const url = `${options.udfUrl}/market/udf/history?symbol=${symbol}&resolution=${options.resolution}&${range}&to=${to}`;
    const body = (await (await fetch(url)).json()) as Record<string, number[] | string>;
    if (body.s !== "ok") return undefined;
    const i = (body.t as number[]).length - 1 - back;
    if (i < 0) return undefined;
    const at = (k: string) => (body[k] as number[])[i] as number;
    return {
      openTime: at("t") * 1000,
      open: at("o"),
      high: at("h"),
      low: at("l"),
      close: at("c"),
      volume: at("v"),
    };
  };
  const publishCandle = async (symbol: string, candle: Candle) => {
    await options.centrifugo.publish(candleChannel(symbol, options.resolution), nobitexPushData(candle), {
      delta: options.delta,
    });
    pushed.get(symbol)?.push(candle);
  };
  const loops = options.symbols.map(async (symbol, index) => {
    // Symbols are spread over the interval, as independent channels are.
    await pause((options.intervalMs * index) / options.symbols.length);
    while (!stopped) {
      if (!silent.has(symbol)) {
        try {
          const candle = await latest(symbol);
          if (candle && !stopped) await publishCandle(symbol, candle);
        } catch (error) {
          // A restarting Centrifugo refuses publications: Nobitex's own publisher would lose them too.
          options.onError?.(error);
        }
      }
      await pause(options.intervalMs);
    }
  });
  return {
    pushed,
    silence: (symbol, on) => {
      if (on) silent.add(symbol);
      else silent.delete(symbol);
    },
    publishRaw: (symbol, data) =>
      options.centrifugo.publish(candleChannel(symbol, options.resolution), data, { delta: options.delta }),
    publishCandle,
    latest,
    stop: async () => {
      stopped = true;
      for (const { timer, wake } of timers) {
        clearTimeout(timer);
        wake();
      }
      await Promise.all(loops);
    },
  };
}
