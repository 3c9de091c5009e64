import type { CandleInput } from "../../indicators/index.ts";
import {
  deleteKafkaResources,
  isolatedOverrides,
  publishCandles,
  questDb,
  recordedCandles,
  runTopics,
} from "../../processor/testing/pipeline-harness.ts";
import { KafkaBus } from "../../shared/adapters/kafka/kafka-bus.ts";
import type { Batch, Bus } from "../../shared/core/bus.ts";
import { type Config, topicFor } from "../../shared/core/config.ts";
import { silentLogger } from "../../shared/core/log.ts";
import { testConfig, uniqueName } from "../../shared/testing/integration.ts";

export const SYMBOLS = ["ETCBTC", "ETHBTC", "XRPETH"] as const;
/**
 * 30,000 per symbol: with compressed topics a fetch brings ~30,000 candles per partition, so rounds
 * of 10,000 were one batch each (~0.25 s) and measured mostly the ramp-up.
 */
export const PER_SYMBOL = 30_000;
/** Single rounds on a shared 2-vCPU box swing by +-0.1 in ratio; 15 give a steadier median. */
export const ROUNDS = 15;

/** Recorded candles repeated with later times until `count` (strictly increasing open times). */
export function series(symbol: string, count: number): CandleInput[] {
  const base = recordedCandles(symbol, 20_000);
  const span = (base.at(-1)?.openTime ?? 0) - (base[0]?.openTime ?? 0) + 60_000;
  return Array.from({ length: count }, (_, i) => {
    const c = base[i % base.length] as CandleInput;
    return { ...c, openTime: c.openTime + Math.floor(i / base.length) * span };
  });
}

export interface Run {
  config: Config;
  cleanup: (() => Promise<unknown>)[];
}
export function newRun(prefix: string): Run {
  return { config: testConfig(isolatedOverrides(uniqueName(prefix), SYMBOLS)), cleanup: [] };
}
export async function finish(run: Run, extraTopics: string[] = []) {
  for (const fn of run.cleanup.reverse()) await fn().catch(() => {});
  const db = questDb(run.config);
  await db.drop();
  await db.close();
  await deleteKafkaResources(
    run.config,
    [...runTopics(run.config), ...extraTopics],
    [run.config.PROCESSOR_GROUP, run.config.SINK_GROUP, `${run.config.PROCESSOR_GROUP}_bare`],
  );
}
export function bus(run: Run): KafkaBus {
  const b = new KafkaBus(run.config, { logger: silentLogger });
  run.cleanup.push(() => b.close());
  return b;
}
export async function fillInputs(run: Run, data: Map<string, CandleInput[]>) {
  const b = bus(run);
  await b.ensureTopics(SYMBOLS.map((s) => ({ name: topicFor(run.config, s) })));
  for (const [symbol, candles] of data) await publishCandles(b, run.config, symbol, candles, 1000);
}

/** A Bus whose subscriptions report when their first batch starts and how many messages settled. */
export function timedBus(inner: Bus, onBatchDone: (batch: Batch) => void, onFirst: () => void): Bus {
  let first = true;
  return {
    ensureTopics: (t) => inner.ensureTopics(t),
    publish: (t, m) => inner.publish(t, m),
    readLatestByKey: (t, o) => inner.readLatestByKey(t, o),
    close: () => inner.close(),
    subscribe: (o) =>
      inner.subscribe({
        ...o,
        onBatch: async (batch, ctx) => {
          if (first) {
            first = false;
            onFirst();
          }
          await o.onBatch(batch, ctx);
          onBatchDone(batch);
        },
      }),
  };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
export const perSec = (n: number, ms: number) =>
  Math.round((n / ms) * 1000)
    .toLocaleString("en-US")
    .padStart(9);
