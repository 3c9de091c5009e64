import { parseMap } from "@shamdan/ingest/parse-map";
import { createProgress } from "@shamdan/ingest/progress";
import { replay } from "@shamdan/ingest/replay";
import { createBus } from "@shamdan/shared/adapters/create-bus";
import { loadConfig } from "@shamdan/shared/core/config";
import { createLogger } from "@shamdan/shared/core/log";
import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";

const help = `Usage: bun run shamdan replay --data DIR [--symbols A,B] [--speed X | --as-fast-as-possible]

Publishes recorded candles (DIR/<SYMBOL>.udf.json, e.g. data/candles) as CandleMessages to the symbol
topics ingest uses (TOPIC_TEMPLATE, key = symbol), in open-time order across symbols, in batches,
with a progress bar on a terminal. For demos, backfills and benchmarks.

  --data DIR               directory of recordings (required)
  --symbols A,B            only these recordings (default: all in DIR)
  --map ALIAS=FILE,...     also publish a recording under another symbol (BTCIRT=ETHBTC)
  --speed X                recorded seconds per real second (60: one minute candle per second)
  --as-fast-as-possible    no pacing (the default)
  --limit N                only the first N candles of each recording
  --batch N                messages per publish (default 500)

Environment: BUS, KAFKA_BROKERS, TOPIC_TEMPLATE, TOPIC_PARTITIONS, TOPIC_REPLICATION.`;

export const replayCommand: Command = {
  name: "replay",
  summary: "Publish recorded candles to the symbol topics",
  help,
  // Long on purpose: option parsing, then one publish loop, in the order the help describes.
  async run(argv) {
    const { values } = parseOptions(argv, {
      data: { type: "string" },
      symbols: { type: "string" },
      map: { type: "string" },
      speed: { type: "string" },
      "as-fast-as-possible": { type: "boolean", default: false },
      limit: { type: "string" },
      batch: { type: "string", default: "500" },
    });
    if (!values.data) throw new UsageError("--data DIR is required");
    if (values.speed !== undefined && values["as-fast-as-possible"])
      throw new UsageError("--speed and --as-fast-as-possible exclude each other");
    const speed = values.speed === undefined ? undefined : Number(values.speed);
    if (speed !== undefined && !(speed > 0)) throw new UsageError("--speed must be a positive number");
    const batchSize = Number(values.batch);
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new UsageError("--batch must be a positive integer");
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    let map: Record<string, string>;
    try {
      map = parseMap(values.map);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL, { service: "replay" });
    const bus = createBus(config, logger);
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once("SIGINT", stop);
    let progress: ReturnType<typeof createProgress> | undefined;
    try {
      const result = await replay({
        config,
        bus,
        dataDir: values.data,
        symbols: values.symbols
          ?.split(",")
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean),
        map,
        speed,
        limit,
        batchSize,
        signal: abort.signal,
        onProgress: (done, total) => {
          progress ??= createProgress({ total, label: "replay", unit: "candles" });
          progress.update(done);
        },
      });
      progress?.finish();
      process.stdout.write(
        `${JSON.stringify({ published: result.published, bySymbol: result.bySymbol, seconds: result.elapsedMs / 1000 })}\n`,
      );
      return abort.signal.aborted ? ExitCode.failure : ExitCode.ok;
    } finally {
      process.off("SIGINT", stop);
      await bus.close();
    }
  },
};
