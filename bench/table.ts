/**
 * The README's benchmark table, generated from the JSON of `bun run bench --json FILE`: every figure
 * in it comes from the file, so the README never carries a number the bench did not produce. A row
 * appears only when all its figures are in the file (a partial run gives a partial table).
 */
import type { BenchResults, FigureTree, Machine } from "./results.ts";

export const TABLE_START = "<!-- bench-table:start -->";
export const TABLE_END = "<!-- bench-table:end -->";

type Figures = (key: string) => number;

interface Row {
  bench: string;
  keys: string[];
  result: (f: Figures) => string;
  target: string;
  /** Whether the targets are met; rows without targets have none. */
  met?: (f: Figures) => boolean;
}

/** Up to `digits` decimals, thousands separated, no trailing zeros. */
export function num(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

type ApiMode = "cached" | "uncached" | "history";
const api = (c: ApiMode) =>
  [
    `api.${c}.summarizeP50Ms`,
    `api.${c}.summarizeP99Ms`,
    `api.${c}.summarizeRps`,
    `api.${c}.candlesP50Ms`,
    `api.${c}.candlesP99Ms`,
    `api.${c}.candlesRps`,
  ] as const;
const apiResult = (c: ApiMode) => (f: Figures) =>
  `summarize (1 h) p50 ${num(f(`api.${c}.summarizeP50Ms`))} ms, p99 ${num(f(`api.${c}.summarizeP99Ms`))} ms, ` +
  `${num(f(`api.${c}.summarizeRps`))} req/s; candles (1 day, 15 m) p50 ${num(f(`api.${c}.candlesP50Ms`))} ms, ` +
  `p99 ${num(f(`api.${c}.candlesP99Ms`))} ms, ${num(f(`api.${c}.candlesRps`))} req/s`;
const apiMet = (c: ApiMode) => (f: Figures) =>
  f(`api.${c}.summarizeP99Ms`) < 50 && f(`api.${c}.summarizeRps`) >= 2000 && f(`api.${c}.candlesP99Ms`) < 100;

const ROWS: Row[] = [
  {
    bench: "`indicators`: full per-candle step (SMA+EMA+RSI+signal)",
    keys: [
      "indicators.engineNsPerCandle",
      "indicators.tradingSignalsNsPerCandle",
      "indicators.fusedNsPerCandle",
      "indicators.ratioVsTradingSignals",
      "indicators.ratioToFused",
    ],
    result: (f) =>
      `engine ${num(f("indicators.engineNsPerCandle"), 1)} ns, \`trading-signals\` ${num(f("indicators.tradingSignalsNsPerCandle"), 1)} ns ` +
      `(${num(f("indicators.ratioVsTradingSignals"), 2)}x slower), fused loop ${num(f("indicators.fusedNsPerCandle"), 1)} ns ` +
      `(engine ${num(f("indicators.ratioToFused"), 2)}x of it)`,
    target: ">= 4x faster than trading-signals, within 4x of fused",
    met: (f) => f("indicators.ratioVsTradingSignals") >= 4 && f("indicators.ratioToFused") <= 4,
  },
  {
    bench: "`seed`: the original's method (pandas recomputes the whole history per candle) vs the engine",
    keys: [
      "seed.msPerCandleAt1k",
      "seed.msPerCandleAt10k",
      "seed.msPerCandleAt100k",
      "seed.engineNsPerCandle",
      "seed.speedupAt10k",
      "seed.engineFlatness",
    ],
    result: (f) =>
      `pandas ${num(f("seed.msPerCandleAt1k"), 2)} / ${num(f("seed.msPerCandleAt10k"), 2)} / ${num(f("seed.msPerCandleAt100k"), 2)} ms ` +
      `per candle at 1k / 10k / 100k history; engine ${num(f("seed.engineNsPerCandle"), 1)} ns; ` +
      `speedup at 10k ${num(f("seed.speedupAt10k"))}x; engine 100k/1k ${num(f("seed.engineFlatness"), 2)}`,
    target: "speedup >= 100,000x, engine flat (<= 1.2)",
    met: (f) => f("seed.speedupAt10k") >= 1e5 && f("seed.engineFlatness") <= 1.2,
  },
  {
    bench: "`store`: `QuestDbStore.write` vs bare ILP `Sender`",
    keys: ["store.questDbRowsPerSecond", "store.bareIlpRowsPerSecond", "store.ratioToBareIlp"],
    result: (f) =>
      `${num(f("store.questDbRowsPerSecond"))} vs ${num(f("store.bareIlpRowsPerSecond"))} rows/s, ratio ${num(f("store.ratioToBareIlp"), 2)}`,
    target: ">= 0.8",
    met: (f) => f("store.ratioToBareIlp") >= 0.8,
  },
  {
    bench: "`pipeline`: processor vs bare kafkajs consume→produce",
    keys: ["pipeline.processorCandlesPerSecond", "pipeline.passthroughPerSecond", "pipeline.processorRatio"],
    result: (f) =>
      `${num(f("pipeline.processorCandlesPerSecond"))} vs ${num(f("pipeline.passthroughPerSecond"))} msg/s, median ratio ${num(f("pipeline.processorRatio"), 2)}`,
    target: ">= 0.8",
    met: (f) => f("pipeline.processorRatio") >= 0.8,
  },
  {
    bench: "`pipeline`: sink vs bare ILP on the same rows",
    keys: ["pipeline.sinkRowsPerSecond", "pipeline.sinkBareIlpPerSecond", "pipeline.sinkRatio"],
    result: (f) =>
      `${num(f("pipeline.sinkRowsPerSecond"))} vs ${num(f("pipeline.sinkBareIlpPerSecond"))} rows/s, median ratio ${num(f("pipeline.sinkRatio"), 2)}`,
    target: ">= 0.8",
    met: (f) => f("pipeline.sinkRatio") >= 0.8,
  },
  {
    bench: "`pipeline`: publish → queryable in QuestDB at 1,000 candles/s",
    keys: ["pipeline.latencyP50Ms", "pipeline.latencyP99Ms"],
    result: (f) => `p50 ${num(f("pipeline.latencyP50Ms"))} ms, p99 ${num(f("pipeline.latencyP99Ms"))} ms`,
    target: "p99 < 1 s",
    met: (f) => f("pipeline.latencyP99Ms") < 1000,
  },
  {
    bench:
      "`api`, 5 symbols x 1 year of minutes, 100 connections; 1 s answer cache on, the same request every time",
    keys: [...api("cached")],
    result: apiResult("cached"),
    target: "–",
  },
  {
    bench:
      "`api`, uncached: cache off, each request its own random window ending in the last 5 days (the in-memory mirror)",
    keys: [...api("uncached")],
    result: apiResult("uncached"),
    target: "summarize p99 < 50 ms and >= 2,000 req/s, candles p99 < 100 ms",
    met: apiMet("uncached"),
  },
  {
    bench: "`api`, history: cache off, random windows older than the mirror's 7 days (QuestDB)",
    keys: [...api("history")],
    result: apiResult("history"),
    target: "the same targets",
    met: apiMet("history"),
  },
  {
    bench:
      "`backfill`: a year of minutes for 5 symbols, fake Nobitex → ingest → Kafka → processor → Kafka → sink → QuestDB",
    keys: [
      "backfill.candles",
      "backfill.wallSeconds",
      "backfill.candlesPerSecond",
      "backfill.bareIlpPerSecond",
      "backfill.ratioToBareIlp",
    ],
    result: (f) =>
      `${num(f("backfill.candles"))} candles in ${num(f("backfill.wallSeconds"), 1)} s, ${num(f("backfill.candlesPerSecond"))}/s; ` +
      `bare ILP ${num(f("backfill.bareIlpPerSecond"))}/s, ratio ${num(f("backfill.ratioToBareIlp"), 2)}`,
    target: ">= 0.7 of bare ILP",
    met: (f) => f("backfill.ratioToBareIlp") >= 0.7,
  },
  {
    bench: "`embedded` (`bun start`): replay into the memory bus until queryable in SQLite, 5 symbols",
    keys: ["embedded.candlesPerSecond", "embedded.peakRssMb"],
    result: (f) =>
      `${num(f("embedded.candlesPerSecond"))} candles/s, peak RSS ${num(f("embedded.peakRssMb"))} MB`,
    target: ">= 50,000 candles/s, RSS < 200 MB",
    met: (f) => f("embedded.candlesPerSecond") >= 50_000 && f("embedded.peakRssMb") < 200,
  },
  {
    bench: "`bus`: the memory and Kafka adapters, 100,000 messages in batches of 1,000",
    keys: [
      "bus.memoryPublishPerSecond",
      "bus.memoryConsumePerSecond",
      "bus.kafkaPublishPerSecond",
      "bus.kafkaConsumePerSecond",
    ],
    result: (f) =>
      `memory ${num(f("bus.memoryPublishPerSecond"))} msg/s publish, ${num(f("bus.memoryConsumePerSecond"))} consume; ` +
      `Kafka ${num(f("bus.kafkaPublishPerSecond"))} publish, ${num(f("bus.kafkaConsumePerSecond"))} consume`,
    target: "–",
  },
  {
    bench: "`ws`: a candle update through a real Centrifugo → ingest's message on the bus",
    keys: [
      "ws.exchangeToBusP50Ms",
      "ws.exchangeToBusP99Ms",
      "ws.pollExchangeToBusP50Ms",
      "ws.pollExchangeToBusP99Ms",
    ],
    result: (f) =>
      `\`LIVE_SOURCE=websocket\` p50 ${num(f("ws.exchangeToBusP50Ms"), 1)} ms, p99 ${num(f("ws.exchangeToBusP99Ms"), 1)} ms; ` +
      `\`poll\` p50 ${num(f("ws.pollExchangeToBusP50Ms") / 1000, 1)} s, p99 ${num(f("ws.pollExchangeToBusP99Ms") / 1000, 1)} s`,
    target: "–",
  },
  {
    bench:
      "`ws`: a candle update through a real Centrifugo → its row's event read from `GET /api/signals/stream`, 5 symbols x 1 update/s",
    keys: [
      "ws.exchangeToSignalP50Ms",
      "ws.exchangeToSignalP99Ms",
      "ws.pollExchangeToSignalP50Ms",
      "ws.pollExchangeToSignalP99Ms",
      "ws.embeddedExchangeToSignalP50Ms",
      "ws.embeddedExchangeToSignalP99Ms",
      "ws.embeddedPollExchangeToSignalP50Ms",
      "ws.embeddedPollExchangeToSignalP99Ms",
    ],
    result: (f) =>
      `Kafka + QuestDB: \`websocket\` p50 ${num(f("ws.exchangeToSignalP50Ms"))} ms, p99 ${num(f("ws.exchangeToSignalP99Ms"))} ms; ` +
      `\`poll\` p50 ${num(f("ws.pollExchangeToSignalP50Ms") / 1000, 1)} s, p99 ${num(f("ws.pollExchangeToSignalP99Ms") / 1000, 1)} s. ` +
      `Embedded: \`websocket\` p50 ${num(f("ws.embeddedExchangeToSignalP50Ms"), 1)} ms, p99 ${num(f("ws.embeddedExchangeToSignalP99Ms"))} ms; ` +
      `\`poll\` p50 ${num(f("ws.embeddedPollExchangeToSignalP50Ms") / 1000, 1)} s, p99 ${num(f("ws.embeddedPollExchangeToSignalP99Ms") / 1000, 1)} s`,
    target: "`websocket` p99 < 500 ms (Kafka + QuestDB), < 100 ms (embedded)",
    met: (f) => f("ws.exchangeToSignalP99Ms") < 500 && f("ws.embeddedExchangeToSignalP99Ms") < 100,
  },
];

/** The figure at a dotted key, or undefined when the file has none (or not a number). */
export function figureAt(results: BenchResults | FigureTree, key: string): number | undefined {
  let node: unknown = results;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "number" && Number.isFinite(node) ? node : undefined;
}

function machineLine(date: string, m: Machine): string {
  return (
    `Measured ${date.slice(0, 10)} on ${m.cores} cores (${m.cpuModel}), ${num(m.memoryGb, 1)} GB of memory, ` +
    `Bun ${m.bun}, ${m.platform}.`
  );
}

/** The Markdown: the machine line, then the table of every row whose figures are all present. */
export function benchTable(results: BenchResults): string {
  if (typeof results.date !== "string" || typeof results.machine !== "object")
    throw new Error("not the JSON of bun run bench --json: date or machine missing");
  const lines = [
    machineLine(results.date, results.machine),
    "",
    "| benchmark | result | target |",
    "| --- | --- | --- |",
  ];
  let rows = 0;
  for (const row of ROWS) {
    const values = new Map(row.keys.map((k) => [k, figureAt(results, k)]));
    if ([...values.values()].some((v) => v === undefined)) continue;
    const f: Figures = (key) => {
      const v = values.get(key);
      if (v === undefined) throw new Error(`row "${row.bench}" reads ${key}, which it does not list`);
      return v;
    };
    const verdict = row.met ? `: ${row.met(f) ? "met" : "missed"}` : "";
    lines.push(`| ${row.bench} | ${row.result(f)} | ${row.target}${verdict} |`);
    rows++;
  }
  if (rows === 0) throw new Error("the JSON holds none of the figures the table shows");
  return `${lines.join("\n")}\n`;
}

/** Replaces what lies between the markers in a Markdown text (the README) with the table. */
export function replaceTable(markdown: string, table: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`the markers ${TABLE_START} and ${TABLE_END} (in that order) are missing`);
  return `${markdown.slice(0, start + TABLE_START.length)}\n${table}${markdown.slice(end)}`;
}
