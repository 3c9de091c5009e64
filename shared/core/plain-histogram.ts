/**
 * A label-less Prometheus histogram whose `observe` is a bucket search and two additions.
 *
 * prom-client's Histogram checks and hashes the labels on every `observe`, which costs several times
 * what computing a candle's indicators does: too much for a metric observed once per message.
 * This one has no labels to check. Registered on a prom-client Registry, it is exported exactly as a
 * prom-client Histogram with the same name, help and buckets would be after the same observations
 * (`plain-histogram.test.ts` compares both the text exposition and the JSON).
 */
import type { Metric, Registry } from "prom-client";

export interface PlainHistogramOptions {
  name: string;
  help: string;
  /** Upper bounds, ascending (the `+Inf` bucket is implicit). */
  buckets: readonly number[];
  registers: Registry[];
}

interface ExportedValue {
  labels: { le?: number | "+Inf" };
  value: number;
  metricName: string;
  exemplar?: null;
}

export class PlainHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(options: PlainHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.bounds = [...options.buckets];
    if (this.bounds.some((bound, i) => i > 0 && bound <= (this.bounds[i - 1] as number)))
      throw new Error(`${options.name}: buckets must be ascending`);
    this.counts = new Float64Array(this.bounds.length + 1);
    // prom-client's Registry accepts any object with its metrics' shape.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: not a finite number: ${value}`);
    let bucket = 0;
    while (bucket < this.bounds.length && value > (this.bounds[bucket] as number)) bucket++;
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts = new Float64Array(this.bounds.length + 1);
    this.sum = 0;
    this.count = 0;
  }

  /** What prom-client's Registry reads, in the shape prom-client's Histogram gives it. */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ExportedValue[];
  }> {
    const bucketName = `${this.name}_bucket`;
    const values: ExportedValue[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i] as number;
      values.push({ labels: { le: bound }, value: cumulative, metricName: bucketName, exemplar: null });
    });
    values.push(
      { labels: { le: "+Inf" }, value: this.count, metricName: bucketName, exemplar: null },
      { labels: {}, value: this.sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.count, metricName: `${this.name}_count` },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
