import { describe, expect, test } from "bun:test";
import { Histogram, Registry } from "prom-client";
import { PlainHistogram } from "./plain-histogram.ts";
import { mulberry32 } from "./prng.ts";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const options = (registry: Registry) => ({
  name: "x_seconds",
  help: "X",
  buckets: BUCKETS,
  registers: [registry],
});

/** A PlainHistogram and a prom-client Histogram, each on its own registry, fed the same values. */
function pair(values: readonly number[]) {
  const plainRegistry = new Registry();
  const promRegistry = new Registry();
  const plain = new PlainHistogram(options(plainRegistry));
  const prom = new Histogram(options(promRegistry));
  for (const value of values) {
    plain.observe(value);
    prom.observe(value);
  }
  return { plain, prom, plainRegistry, promRegistry };
}

describe("PlainHistogram", () => {
  test("exports exactly what prom-client's Histogram exports after the same observations", async () => {
    const random = mulberry32(7);
    const values = [
      0,
      ...BUCKETS, // exactly on each bound: counted in that bucket (le is inclusive)
      ...BUCKETS.map((b) => b * (1 + 1e-12)),
      11,
      1e9,
      ...Array.from({ length: 5000 }, () => random() * 12),
    ];
    const { plainRegistry, promRegistry } = pair(values);
    expect(await plainRegistry.metrics()).toBe(await promRegistry.metrics());
    expect(await plainRegistry.getMetricsAsJSON()).toEqual(await promRegistry.getMetricsAsJSON());
  });

  test("with nothing observed it exports zeros as prom-client does; after reset, as prom-client's after reset and zero()", async () => {
    const empty = pair([]);
    expect(await empty.plainRegistry.metrics()).toBe(await empty.promRegistry.metrics());
    const { plain, prom, plainRegistry, promRegistry } = pair([0.2, 3]);
    plain.reset();
    prom.reset();
    prom.zero({}); // prom-client's reset drops the label-less series until the next observe
    expect(await plainRegistry.metrics()).toBe(await promRegistry.metrics());
  });

  test("refuses a value that is not finite, as prom-client does, and unordered buckets", () => {
    const { plain, prom } = pair([]);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => prom.observe(bad)).toThrow(TypeError);
      expect(() => plain.observe(bad)).toThrow(TypeError);
    }
    expect(
      () => new PlainHistogram({ name: "y", help: "Y", buckets: [1, 0.5], registers: [new Registry()] }),
    ).toThrow("ascending");
  });
});
