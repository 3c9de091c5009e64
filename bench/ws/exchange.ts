/**
 * The exchange the ws bench plays: each symbol's candles (closed ones and the forming one) in memory,
 * served on a UDF endpoint, and every change pushed into a real Centrifugo the way Nobitex publishes
 * its stream, so the WebSocket source and polling see the same candles.
 */
import type { Server } from "bun";
import { nobitexPushData } from "../../ingest/centrifugo-publisher.ts";
import type { CentrifugoServer } from "../../ingest/centrifugo-server.ts";
import { candleChannel } from "../../ingest/push-candle.ts";
import type { Candle } from "../../shared/core/udf.ts";
import { waitFor } from "../../shared/testing/integration.ts";
import type { DeliveryLog } from "./delivery.ts";

export class Exchange {
  readonly #candles: Map<string, Candle[]>;
  readonly #udf: Server<undefined>;
  #tick = 0;

  constructor(
    readonly symbols: readonly string[],
    private readonly centrifugo: Pick<CentrifugoServer, "publish">,
  ) {
    this.#candles = new Map(symbols.map((s) => [s, []]));
    for (const s of symbols) this.#trade(s);
    this.#udf = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => this.#history(request) });
  }

  get udfUrl(): string {
    return `http://127.0.0.1:${this.#udf.port}`;
  }

  /**
   * Publishes the symbol's next update into Centrifugo and logs it; its moment is taken right before
   * the HTTP publish call.
   */
  async push(symbol: string, log: DeliveryLog, counted: boolean): Promise<void> {
    const candle = this.#trade(symbol);
    log.published({ symbol, ...candle }, performance.now(), counted);
    await this.centrifugo.publish(candleChannel(symbol, "1"), nobitexPushData(candle));
  }

  async stop(): Promise<void> {
    await this.#udf.stop(true);
  }

  /** A trade: the current minute's candle changes (closes grow with every trade), or a new one opens. */
  #trade(symbol: string): Candle {
    const list = this.#candles.get(symbol) as Candle[];
    const openTime = Math.floor(Date.now() / 60_000) * 60_000;
    const close = 1_000_000 + ++this.#tick;
    const last = list.at(-1);
    const forming = last?.openTime === openTime ? last : undefined;
    const next: Candle = forming
      ? { ...forming, high: Math.max(forming.high, close), close, volume: forming.volume + 1 }
      : { openTime, open: close, high: close, low: close, close, volume: 1 };
    if (forming) list[list.length - 1] = next;
    else list.push(next);
    return next;
  }

  /** `GET /market/udf/history` (any path): the symbol's candles between `from` and `to`. */
  #history(request: Request): Response {
    const q = new URL(request.url).searchParams;
    const from = Number(q.get("from")) * 1000;
    const to = Number(q.get("to")) * 1000;
    const list = (this.#candles.get(q.get("symbol") ?? "") ?? []).filter(
      (c) => c.openTime >= from && c.openTime <= to,
    );
    if (list.length === 0) return Response.json({ s: "no_data" });
    return Response.json({
      s: "ok",
      t: list.map((c) => c.openTime / 1000),
      o: list.map((c) => c.open),
      h: list.map((c) => c.high),
      l: list.map((c) => c.low),
      c: list.map((c) => c.close),
      v: list.map((c) => c.volume),
    });
  }
}

export interface PushPlan {
  /** Counted updates per symbol, after the warm-up. */
  pushes: number;
  /** Time after every symbol's first arrival before counting starts. */
  settleMs: number;
  /** How long to wait after the last push for the counted updates still on their way. */
  drainMs: number;
}

/** Every symbol's first update must arrive within this (start-up, group joins, a first poll). */
const WARM_UP_TIMEOUT_MS = 90_000;

/**
 * One update per symbol per second, the symbols spread evenly over the second. Warm-up until every
 * symbol's updates arrive (connections, consumer groups, JIT) and `settleMs` more; then `pushes`
 * counted updates per symbol; then up to `drainMs` for the last ones to arrive.
 */
export async function pushAndMeasure(exchange: Exchange, log: DeliveryLog, plan: PushPlan): Promise<void> {
  let counting = false;
  let stopped = false;
  const loops = exchange.symbols.map(async (symbol, k) => {
    const begin = performance.now() + (1000 * k) / exchange.symbols.length;
    let counted = 0;
    for (let i = 0; !stopped && counted < plan.pushes; i++) {
      const wait = begin + i * 1000 - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      const count = counting;
      if (count) counted++;
      await exchange.push(symbol, log, count);
    }
  });
  try {
    await waitFor(
      "every symbol's first update to arrive",
      () => (exchange.symbols.every((s) => log.reached(s)) ? true : undefined),
      WARM_UP_TIMEOUT_MS,
      50,
    );
    await Bun.sleep(plan.settleMs);
    counting = true;
  } catch (error) {
    stopped = true;
    await Promise.allSettled(loops);
    throw error;
  }
  await Promise.all(loops);
  await waitFor(
    "the counted updates to arrive",
    () => (log.delivered >= log.counted ? true : undefined),
    plan.drainMs,
    20,
  ).catch(() => undefined);
}
