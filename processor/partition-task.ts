/**
 * The work of one input partition: per-symbol engines plus the next input offset they reflect.
 * Pure (no I/O): `process` turns consumed messages into output rows, dead letters and counts;
 * `snapshot` is what goes to the changelog so another replica can continue exactly here.
 */

import { type EngineSettings, EngineSnapshotSchema, SymbolEngine } from "@shamdan/indicators";
import type { ConsumedMessage, OutgoingMessage } from "@shamdan/shared/core/bus";
import { deadLetterFor } from "@shamdan/shared/core/dead-letter";
import { IMPLAUSIBLE, type IndicatorRow } from "@shamdan/shared/core/messages";
import * as v from "valibot";
import { parseCandle } from "./parse-candle.ts";

/** A Kafka offset as the changelog writes it: a decimal string (offsets are 64-bit). */
export const DECIMAL_OFFSET = /^\d+$/;

/** Changelog value for key `<topic>:<partition>`: everything needed to resume this partition exactly. */
export const PartitionStateSchema = v.object({
  v: v.literal(1),
  topic: v.string(),
  partition: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  /** First input offset NOT yet reflected in `engines` (decimal string, Kafka offsets are 64-bit). */
  nextOffset: v.pipe(v.string(), v.regex(DECIMAL_OFFSET)),
  engines: v.record(v.string(), EngineSnapshotSchema),
});
export type PartitionState = v.InferOutput<typeof PartitionStateSchema>;

export const stateKey = (topic: string, partition: number) => `${topic}:${partition}`;

export interface BatchResult {
  rows: IndicatorRow[];
  /** The input message of each row (same index): a row the broker refuses is dead-lettered with it. */
  sources: ConsumedMessage[];
  deadLetters: OutgoingMessage[];
  rejected: { reason: string; count: number }[];
  /** Messages already reflected in the restored state (offset < nextOffset). */
  skipped: number;
  /** False when nothing changed (every message skipped): no snapshot needs publishing. */
  changed: boolean;
}

export class PartitionTask {
  private readonly engines = new Map<string, SymbolEngine>();
  private readonly topics = new Map<string, string>();
  private nextOffset: bigint;

  constructor(
    private readonly settings: EngineSettings,
    readonly topic: string,
    readonly partition: number,
    /** Which symbols may appear on this topic (a candle of another symbol is dead-lettered). */
    private readonly topicOfSymbol: (symbol: string) => string,
    restored?: PartitionState,
  ) {
    this.nextOffset = restored ? BigInt(restored.nextOffset) : 0n;
    for (const [symbol, snap] of Object.entries(restored?.engines ?? {}))
      this.engines.set(symbol, SymbolEngine.restore(settings, snap));
  }

  /** The first offset this task still needs (0 when it starts from nothing). */
  get expectedOffset(): bigint {
    return this.nextOffset;
  }

  // One loop on purpose: the per-candle hot path; each early `continue` is one rule for one kind of bad input.
  process(messages: readonly ConsumedMessage[], service = "processor"): BatchResult {
    const result: BatchResult = {
      rows: [],
      sources: [],
      deadLetters: [],
      rejected: [],
      skipped: 0,
      changed: false,
    };
    const last = messages.at(-1);
    if (last === undefined) return result;
    // Offsets rise within a batch, so what the state already reflects is a prefix; converting every
    // offset to a BigInt showed in profiles, so only the prefix check and the last one are converted.
    let start = 0;
    while (start < messages.length && BigInt((messages[start] as ConsumedMessage).offset) < this.nextOffset)
      start++;
    result.skipped = start;
    if (start === messages.length) return result;
    this.nextOffset = BigInt(last.offset) + 1n;
    result.changed = true;
    const rejected = new Map<string, number>();
    for (let i = start; i < messages.length; i++) {
      const message = messages[i] as ConsumedMessage;
      const parsed = parseCandle(message.value);
      if (!parsed.ok) {
        result.deadLetters.push(deadLetterFor(service, message, parsed.reason));
        // Well-formed but no real candle (shared/core/plausibility.ts): counted apart from malformed input.
        if (parsed.reason.includes(`${IMPLAUSIBLE}: `))
          rejected.set(IMPLAUSIBLE, (rejected.get(IMPLAUSIBLE) ?? 0) + 1);
        continue;
      }
      const candle = parsed.value;
      if (this.topicFor(candle.symbol) !== message.topic) {
        result.deadLetters.push(
          deadLetterFor(
            service,
            message,
            `symbol ${candle.symbol} does not belong on topic ${message.topic}`,
          ),
        );
        continue;
      }
      const engine = this.engineFor(candle.symbol);
      const step = engine.next(candle);
      if (!step.ok) {
        rejected.set(step.reason, (rejected.get(step.reason) ?? 0) + 1);
        // An out-of-order candle is the engine's documented rule (ignored, counted); an invalid one is bad input.
        if (step.reason === "invalid_candle")
          result.deadLetters.push(deadLetterFor(service, message, `invalid_candle: ${step.detail}`));
        continue;
      }
      const { values } = step;
      result.sources.push(message);
      // Fields written out, not spread (the engine reuses `values`); the order is the JSON order of the
      // IndicatorRow schema, which the output bytes keep.
      result.rows.push({
        v: 1,
        symbol: candle.symbol,
        openTime: candle.openTime,
        open: candle.open,
        high: candle.high,
        low: candle.low,
        close: candle.close,
        volume: candle.volume,
        sma: values.sma,
        ema: values.ema,
        delta: values.delta,
        gain: values.gain,
        loss: values.loss,
        avgGain: values.avgGain,
        avgLoss: values.avgLoss,
        rs: values.rs,
        rsi: values.rsi,
        signal: step.signal,
        signalChanged: step.signalChanged,
        replaced: step.replaced,
      });
    }
    result.rejected = [...rejected].map(([reason, count]) => ({ reason, count }));
    return result;
  }

  snapshot(): PartitionState {
    const engines: PartitionState["engines"] = {};
    for (const [symbol, engine] of this.engines) engines[symbol] = engine.snapshot();
    return {
      v: 1,
      topic: this.topic,
      partition: this.partition,
      nextOffset: String(this.nextOffset),
      engines,
    };
  }

  /** `topicOfSymbol`, remembered: it formats the topic template, per candle that showed in profiles. */
  private topicFor(symbol: string): string {
    let topic = this.topics.get(symbol);
    if (topic === undefined) {
      topic = this.topicOfSymbol(symbol);
      if (this.topics.size < 1000) this.topics.set(symbol, topic);
    }
    return topic;
  }

  private engineFor(symbol: string): SymbolEngine {
    let engine = this.engines.get(symbol);
    if (!engine) {
      engine = new SymbolEngine(this.settings);
      this.engines.set(symbol, engine);
    }
    return engine;
  }
}
