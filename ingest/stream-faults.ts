/**
 * The fake Nobitex's WebSocket stream: a publisher playing the fake's latest candles into Centrifugo the
 * way Nobitex does (centrifugo-publisher.ts), and its faults on demand over HTTP on the fake's own port.
 * `POST /faults/ws` with a JSON body injects one fault and answers what it did; `GET /faults/ws` counts
 * the faults injected so far. Kinds:
 * - `restart` (`downMs`, default 1000): `kill -9` of the Centrifugo the fake started, started again
 *   `downMs` later (409 when the fake publishes into a Centrifugo it did not start);
 * - `disconnect`: the server API's `disconnect` of every connection (all anonymous, as on Nobitex's public
 *   channels), with a code that tells clients to reconnect;
 * - `silence` (`symbol`, `ms` optional): no push for the symbol, for `ms` or until `resume`;
 * - `resume` (`symbol`): pushes of a silenced symbol start again;
 * - `malformed` (`symbol`, `data` optional): one push whose `data` is not a candle (default `{not json`);
 * - `out-of-order` (`symbol`, `back`, default 5): one push of the candle `back` candles before the latest;
 * - `duplicate` (`symbol`, `times`, default 2): the latest candle pushed `times` more times at once.
 */
import * as v from "valibot";
import { type CandlePublisher, startCandlePublisher } from "./centrifugo-publisher.ts";
import type { CentrifugoServer } from "./centrifugo-server.ts";
import type { FakeNobitex } from "./fake-nobitex.ts";

export const STREAM_FAULTS_PATH = "/faults/ws";

const SymbolName = v.pipe(v.string(), v.minLength(1));
const Count = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max));

export const StreamFaultSchema = v.variant("kind", [
  v.object({
    kind: v.literal("restart"),
    downMs: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(60_000))),
  }),
  v.object({ kind: v.literal("disconnect") }),
  v.object({ kind: v.literal("silence"), symbol: SymbolName, ms: v.optional(Count(3_600_000)) }),
  v.object({ kind: v.literal("resume"), symbol: SymbolName }),
  v.object({ kind: v.literal("malformed"), symbol: SymbolName, data: v.optional(v.unknown()) }),
  v.object({ kind: v.literal("out-of-order"), symbol: SymbolName, back: v.optional(Count(400)) }),
  v.object({ kind: v.literal("duplicate"), symbol: SymbolName, times: v.optional(Count(100)) }),
]);
export type StreamFault = v.InferOutput<typeof StreamFaultSchema>;
export type StreamFaultKind = StreamFault["kind"];

/** A fault the stream cannot inject as asked (e.g. restarting a server the fake did not start). */
export class StreamFaultRefused extends Error {}

export interface FakeStreamOptions {
  fake: Pick<FakeNobitex, "url" | "symbols" | "clock" | "route">;
  /** Where to publish; with `stop` and `restart` the fake manages the server (the restart fault). */
  centrifugo: Pick<CentrifugoServer, "publish" | "disconnectAll"> &
    Partial<Pick<CentrifugoServer, "stop" | "restart">>;
  /** Milliseconds between two pushes of one symbol (Nobitex: about 10 s). */
  intervalMs: number;
  /** The recordings' resolution (default "1": data/candles holds minute candles). */
  resolution?: string;
  onError?: (error: unknown) => void;
}

export interface FakeStream {
  publisher: CandlePublisher;
  /** Faults injected so far, by kind. */
  injected: Record<StreamFaultKind, number>;
  inject(fault: StreamFault): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts publishing and serves the fault control on the fake's port. */
export function startFakeStream(options: FakeStreamOptions): FakeStream {
  const { fake, centrifugo } = options;
  const publisher = startCandlePublisher({
    centrifugo,
    udfUrl: fake.url,
    symbols: fake.symbols,
    resolution: options.resolution ?? "1",
    intervalMs: options.intervalMs,
    now: fake.clock.now,
    onError: options.onError,
  });
  const injected: Record<StreamFaultKind, number> = {
    restart: 0,
    disconnect: 0,
    silence: 0,
    resume: 0,
    malformed: 0,
    "out-of-order": 0,
    duplicate: 0,
  };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const known = (symbol: string) => {
    if (!fake.symbols.includes(symbol))
      throw new StreamFaultRefused(`unknown symbol ${symbol} (served: ${fake.symbols.join(", ")})`);
    return symbol;
  };
  const candle = async (symbol: string, back = 0) => {
    const found = await publisher.latest(symbol, back);
    if (!found) throw new StreamFaultRefused(`${symbol} has no candle ${back} before the latest yet`);
    return found;
  };

  // One switch on purpose: each kind is a few lines, and the control reads as the list above.
  const inject = async (fault: StreamFault): Promise<Record<string, unknown>> => {
    switch (fault.kind) {
      case "restart": {
        const { stop, restart } = centrifugo;
        if (!stop || !restart)
          throw new StreamFaultRefused("restart needs a Centrifugo the fake started (--start-centrifugo)");
        await stop(true);
        await Bun.sleep(fault.downMs ?? 1000);
        await restart();
        break;
      }
      case "disconnect":
        await centrifugo.disconnectAll();
        break;
      case "silence": {
        publisher.silence(known(fault.symbol), true);
        const { ms } = fault;
        if (ms !== undefined) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            publisher.silence(fault.symbol, false);
          }, ms);
          timers.add(timer);
        }
        break;
      }
      case "resume":
        publisher.silence(known(fault.symbol), false);
        break;
      case "malformed":
        await publisher.publishRaw(known(fault.symbol), fault.data ?? "{not json");
        break;
      case "out-of-order": {
        const old = await candle(known(fault.symbol), fault.back ?? 5);
        await publisher.publishCandle(fault.symbol, old);
        injected[fault.kind]++;
        return { candle: old };
      }
      case "duplicate": {
        const latest = await candle(known(fault.symbol));
        for (let i = 0; i < (fault.times ?? 2); i++) await publisher.publishCandle(fault.symbol, latest);
        injected[fault.kind]++;
        return { candle: latest };
      }
    }
    injected[fault.kind]++;
    return {};
  };

  fake.route(STREAM_FAULTS_PATH, async (request) => {
    if (request.method === "GET") return Response.json({ injected });
    if (request.method !== "POST") return Response.json({ error: "GET or POST" }, { status: 405 });
    const parsed = v.safeParse(StreamFaultSchema, await request.json().catch(() => undefined));
    if (!parsed.success)
      return Response.json(
        { error: parsed.issues.map((i) => `${v.getDotPath(i) ?? "body"}: ${i.message}`).join("; ") },
        { status: 400 },
      );
    try {
      return Response.json({ ok: true, kind: parsed.output.kind, ...(await inject(parsed.output)) });
    } catch (error) {
      const refused = error instanceof StreamFaultRefused;
      return Response.json({ error: String((error as Error).message) }, { status: refused ? 409 : 502 });
    }
  });

  return {
    publisher,
    injected,
    inject,
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      await publisher.stop();
    },
  };
}
