/**
 * The one place that reads `process.env`. Parsed once at start-up with a valibot schema; every
 * problem is reported at once; the result is frozen and passed down (`.env.example` lists
 * every name with its default and meaning, kept in step with this schema, compose and k8s by config.test.ts).
 */
import { Cron } from "croner";
import * as v from "valibot";
import { isSymbol } from "./symbol.ts";

const csv = (fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    ),
  );

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.regex(/^\s*-?\d+\s*$/, "must be an integer"),
    v.transform(Number),
    v.number(),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const num = (fallback: number, min: number, max: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform(Number),
    v.number("must be a number"),
    v.finite("must be a finite number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const str = (fallback: string) => v.optional(v.string(), fallback);

/** Why croner refuses a pattern, or undefined: checked here so a typo exits 2 with the other settings. */
function cronProblem(pattern: string): string | undefined {
  try {
    new Cron(pattern, { paused: true }).stop();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
const isCronPattern = (pattern: string) => cronProblem(pattern) === undefined;
const optionalStr = () => v.optional(v.pipe(v.string(), v.minLength(1)));

/** The variable types, for the CLI's own settings schema (cli/infra/infra-config.ts). */
export const envField = { int, str, optionalStr } as const;
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  v.optional(v.picklist(values, `must be one of ${values.join(", ")}`), fallback);

/** Codecs KafkaBus can produce with (shared/adapters/kafka/kafka-compression.ts). */
export const KAFKA_COMPRESSIONS = ["none", "gzip", "zstd"] as const;
/** How the processor writes rows on OUTPUT_TOPIC (shared/core/row-codec.ts). */
export const OUTPUT_FORMATS = ["binary", "json"] as const;

/** Every variable Shamdan reads, with its default (names kept from the original system: docs/contracts.md). */
export const ConfigSchema = v.object({
  SYMBOLS: v.pipe(
    csv("BTCIRT,ETHIRT,USDTIRT,ETCIRT,SHIBIRT"),
    v.transform((list) => list.map((s) => s.toUpperCase())),
    v.minLength(1, "needs at least one symbol"),
    v.check((list) => list.every(isSymbol), "symbols are 2-20 letters or digits, comma-separated"),
  ),
  NOBITEX_BASE_URL: v.pipe(str("https://apiv2.nobitex.ir"), v.url("must be a URL")),
  POLL_CRON: v.pipe(
    str("*/10 * * * * *"),
    v.check(
      isCronPattern,
      (issue) => `is not a cron pattern croner accepts (${cronProblem(String(issue.input))})`,
    ),
  ),
  RESOLUTION: oneOf(["1", "5", "15", "30", "60", "180", "240", "360", "720", "D", "2D", "3D"] as const, "1"),
  // Up to two years of minutes: a year's backfill is 1,052 pages per symbol (BACKFILL_CONCURRENCY at a time).
  BACKFILL_CANDLES: int(500, 0, 1_051_200),
  BACKFILL_CONCURRENCY: int(4, 1, 16),
  POLL_CONCURRENCY: int(3, 1, 64),
  NOBITEX_TIMEOUT_MS: int(5000, 100, 120_000),
  BUS: oneOf(["kafka", "memory"] as const, "kafka"),
  KAFKA_BROKERS: csv("127.0.0.1:9092"),
  KAFKA_CLIENT_ID: str("shamdan"),
  KAFKA_COMPRESSION: oneOf(KAFKA_COMPRESSIONS, "zstd"),
  TOPIC_TEMPLATE: v.pipe(str("{symbol}_topic"), v.includes("{symbol}", "must contain {symbol}")),
  TOPIC_PARTITIONS: int(1, 1, 1024),
  TOPIC_REPLICATION: int(1, 1, 16),
  OUTPUT_TOPIC: str("output_topic"),
  // Readers take either format, so changing it needs no coordination.
  OUTPUT_FORMAT: oneOf(OUTPUT_FORMATS, "binary"),
  DEAD_LETTER_TOPIC: str("dead_letters"),
  PROCESSOR_GROUP: str("processor"),
  SINK_GROUP: str("sink"),
  STORE: oneOf(["questdb", "sqlite"] as const, "questdb"),
  QUESTDB_ILP_CONF: str("http::addr=127.0.0.1:9000;"),
  QUESTDB_PG_URL: str("postgres://admin:quest@127.0.0.1:8812/qdb"),
  QUESTDB_TABLE: v.pipe(str("stock_data"), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain identifier")),
  /** Threads a large write to QuestDB is shared among (shared/adapters/questdb/ilp-writer.ts). */
  QUESTDB_WRITE_THREADS: int(1, 1, 16),
  LIVE_SOURCE: oneOf(["websocket", "poll"] as const, "websocket"),
  NOBITEX_WS_URL: v.pipe(str("wss://wss.nobitex.ir/connection/websocket"), v.url("must be a URL")),
  WS_SILENCE_MS: int(30_000, 1000, 3_600_000),
  SQLITE_PATH: str("./data/shamdan.sqlite"),
  // `seed` is the pandas flavor's old name, still accepted so existing deployments keep working.
  INDICATOR_FLAVOR: v.pipe(
    oneOf(["talib", "pandas", "seed"] as const, "talib"),
    v.transform((f) => (f === "seed" ? "pandas" : f)),
  ),
  SMA_PERIOD: int(5, 1, 10_000),
  EMA_PERIOD: int(10, 1, 10_000),
  RSI_PERIOD: int(10, 1, 10_000),
  RSI_BUY_BELOW: num(70, 0, 100),
  RSI_SELL_ABOVE: num(30, 0, 100),
  API_PORT: int(3000, 0, 65_535),
  API_TOKEN: optionalStr(),
  CORS_ORIGINS: csv(""),
  API_MAX_PERIOD_MINUTES: int(525_600, 1),
  API_MAX_SYMBOLS: int(50, 1, 1000),
  API_QUERY_TIMEOUT_MS: int(5000, 10, 600_000),
  API_CACHE_MAX_BYTES: int(32 * 1024 * 1024, 0, 4 * 1024 * 1024 * 1024),
  API_MAX_STREAMS: int(100, 1, 100_000),
  API_MIRROR_DAYS: int(7, 0, 366),
  API_MIRROR_REFRESH_MS: int(1000, 100, 60_000),
  HEALTH_PORT: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "must be a port number"), v.transform(Number))),
  SLACK_WEBHOOK_URL: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
  TELEGRAM_BOT_TOKEN: optionalStr(),
  TELEGRAM_CHAT_ID: optionalStr(),
  TELEGRAM_API_URL: v.pipe(str("https://api.telegram.org"), v.url("must be a URL")),
  BALE_BOT_TOKEN: optionalStr(),
  BALE_CHAT_ID: optionalStr(),
  BALE_API_URL: v.pipe(str("https://tapi.bale.ai"), v.url("must be a URL")),
  WEBHOOK_URL: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
  NOTIFY_SYMBOLS: v.pipe(
    csv(""),
    v.transform((list) => list.map((s) => s.toUpperCase())),
    v.check((list) => list.every(isSymbol), "symbols are 2-20 letters or digits, comma-separated"),
  ),
  NOTIFY_LANG: oneOf(["en", "fa"] as const, "en"),
  NOTIFY_GROUP: str("notify"),
  NOTIFY_CHART_URL: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
  NOTIFY_MAX_DELAY_SECONDS: int(120, 0, 86_400),
  NOTIFY_TIMEOUT_MS: int(5000, 100, 120_000),
  NOTIFY_MAX_ATTEMPTS: int(5, 1, 100),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error"] as const, "info"),
});

export type Config = Readonly<v.InferOutput<typeof ConfigSchema>>;
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly canRetry = false;
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const present = (value: string | undefined) =>
  value !== undefined && value.trim() !== "" ? value : undefined;

/**
 * Parses an environment (default: `process.env`); empty strings count as unset. `overrides` win over
 * the environment; `defaults` apply only where the environment says nothing (e.g. `bun start` defaults
 * BUS to memory). Throws ConfigError listing every problem.
 */
export function loadConfig(env: Env = process.env, overrides: Env = {}, defaults: Env = {}): Config {
  return parseEnv(ConfigSchema, env, overrides, defaults);
}

type EnvSchema = v.ObjectSchema<v.ObjectEntries, undefined>;

/** `loadConfig`'s parsing for any schema of string variables: the same rules, the same ConfigError. */
export function parseEnv<S extends EnvSchema>(
  schema: S,
  env: Env = process.env,
  overrides: Env = {},
  defaults: Env = {},
): Readonly<v.InferOutput<S>> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.entries)) {
    const value = present(overrides[key]) ?? present(env[key]) ?? present(defaults[key]);
    if (value !== undefined) input[key] = value;
  }
  const result = v.safeParse(schema, input, { abortEarly: false });
  if (!result.success) {
    throw new ConfigError(
      result.issues.map((issue) => {
        const key = issue.path?.map((p) => String(p.key)).join(".") ?? "(config)";
        return `${key}: ${issue.message} (got ${JSON.stringify(issue.input)})`;
      }),
    );
  }
  return Object.freeze(result.output);
}

/** `<symbol lowercased>_topic` by default (the original system's contract). */
export function topicFor(config: Pick<Config, "TOPIC_TEMPLATE">, symbol: string): string {
  return config.TOPIC_TEMPLATE.replaceAll("{symbol}", symbol.toLowerCase());
}

/** Indicator column names carry the configured periods, as in the original system (`SMA_5`, `EMA_10`, `RSI_10`, ...). */
export function indicatorColumns(config: Pick<Config, "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD">) {
  return {
    sma: `SMA_${config.SMA_PERIOD}`,
    ema: `EMA_${config.EMA_PERIOD}`,
    avgGain: `avg_gain_${config.RSI_PERIOD}`,
    avgLoss: `avg_loss_${config.RSI_PERIOD}`,
    rsi: `RSI_${config.RSI_PERIOD}`,
  } as const;
}
