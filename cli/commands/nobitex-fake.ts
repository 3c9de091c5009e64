import { existsSync } from "node:fs";
import { centrifugoApi } from "@shamdan/ingest/centrifugo-server";
import { startFakeNobitex } from "@shamdan/ingest/fake-nobitex";
import { parseMap } from "@shamdan/ingest/parse-map";
import { STREAM_FAULTS_PATH, startFakeStream } from "@shamdan/ingest/stream-faults";
import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";
import { centrifugoBinaryOf, startChildCentrifugo } from "../infra/centrifugo.ts";
import { loadInfraConfig } from "../infra/infra-config.ts";
import { untilSignal } from "../until-signal.ts";

const help = `Usage: bun run shamdan nobitex-fake --data DIR [options]

Serves recorded candles (DIR/<SYMBOL>.udf.json, e.g. data/candles) on 127.0.0.1 with the semantics of
Nobitex GET /market/udf/history: symbol, resolution (only the recording's; others answer
{"s":"error","errmsg":"Invalid resolution!"}), to (required), from, countback (priority over from),
page, at most 500 candles per answer, no_data. GET /stats counts requests and injected faults.

  --data DIR                 directory of <SYMBOL>.udf.json recordings (required)
  --port N                   port (default 8090; 0 picks a free one)
  --map ALIAS=FILE,...       also serve a recording under another symbol (BTCIRT=ETHBTC)
  --limit N                  only the first N candles of each recording
  --live                     reveal candles as a clock passes; the last one is still forming
  --history N                with --live: candles already closed at start (default 500)
  --speed X                  with --live: clock speed, recorded seconds per real second (default 1).
                             Above 1 the served clock runs ahead of the wall clock, so a real-clock
                             ingest still sees one candle a minute: for fast demos use replay
  --retime                   shift the recording so its history ends now (wall clock); needed when a
                             real-clock ingest polls it (it asks for the last minutes before now)
  --fault-429 RATE           answer 429 {"backOff":N} to this share of requests (0..1)
  --backoff-seconds N        the backOff a 429 asks for (default 12)
  --fault-5xx RATE           answer 500/502/503/504
  --fault-slow RATE          delay answers by --fault-slow-ms (default 2000)
  --fault-malformed RATE     answer truncated JSON, HTML, unequal arrays or null values
  --fault-invalid-candle RATE  break one candle of the page (high < low or negative volume)
  --seed N                   seed of the fault schedule (default 1)
  --centrifugo URL           also push each symbol's latest candle into this Centrifugo (its HTTP
                             address, e.g. http://127.0.0.1:8000, the one \`infra up\` starts) as
                             Nobitex's stream does: channel public:candle-{SYMBOL}-{RESOLUTION}, data a
                             JSON string of t,o,h,l,c,v
  --centrifugo-key KEY       its HTTP API key (default INFRA_CENTRIFUGO_API_KEY, the one \`infra up\` sets)
  --start-centrifugo         instead, start a Centrifugo of its own (the binary \`infra up\` built under
                             SHAMDAN_HOME/tools) as a child process, configured like Nobitex's; it
                             prints the WebSocket address (NOBITEX_WS_URL) and stops with the fake
  --centrifugo-port N        with --start-centrifugo: its port (default: a free one)
  --push-ms N                ms between two pushes of a symbol (default 10000, as Nobitex)

Stream faults on demand (with --centrifugo or --start-centrifugo), on the fake's own port:
  curl -XPOST 127.0.0.1:8090${STREAM_FAULTS_PATH} -d '{"kind":"disconnect"}'
  kinds: restart {downMs}       kill -9 the Centrifugo it started, start it again downMs later (1000)
         disconnect             the server API's disconnect of every connection (clients reconnect)
         silence {symbol, ms}   no push for the symbol, for ms or until resume
         resume {symbol}
         malformed {symbol, data}  one push whose data is not a candle (default "{not json")
         out-of-order {symbol, back}  one push of the candle back (5) candles before the latest
         duplicate {symbol, times}    the latest candle pushed times (2) more times
  GET ${STREAM_FAULTS_PATH} counts the faults injected so far.

Example (the default Nobitex symbols on recorded data, live):
  bun run shamdan nobitex-fake --data data/candles --live --retime \\
    --map BTCIRT=ETHBTC,ETHIRT=ETCBTC,USDTIRT=XRPETH,ETCIRT=ETCBTC,SHIBIRT=XRPETH
  NOBITEX_BASE_URL=http://127.0.0.1:8090 bun run shamdan ingest`;

const rate = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new UsageError(`--${name} must be between 0 and 1`);
  return value;
};
const positive = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isFinite(value) && value >= 0))
    throw new UsageError(`--${name} must be a non-negative number`);
  return value;
};

export const nobitexFakeCommand: Command = {
  name: "nobitex-fake",
  summary: "Serve recorded candles with the Nobitex UDF API's semantics (and injected faults)",
  help,
  // Long only because it maps each command-line option to the fake's settings.
  async run(argv) {
    const { values } = parseOptions(argv, {
      data: { type: "string" },
      port: { type: "string", default: "8090" },
      map: { type: "string" },
      limit: { type: "string" },
      live: { type: "boolean", default: false },
      history: { type: "string" },
      speed: { type: "string" },
      retime: { type: "boolean", default: false },
      "fault-429": { type: "string" },
      "backoff-seconds": { type: "string" },
      "fault-5xx": { type: "string" },
      "fault-slow": { type: "string" },
      "fault-slow-ms": { type: "string" },
      "fault-malformed": { type: "string" },
      "fault-invalid-candle": { type: "string" },
      seed: { type: "string" },
      centrifugo: { type: "string" },
      "centrifugo-key": { type: "string" },
      "start-centrifugo": { type: "boolean", default: false },
      "centrifugo-port": { type: "string" },
      "push-ms": { type: "string" },
    });
    if (values.centrifugo && values["start-centrifugo"])
      throw new UsageError("--centrifugo URL and --start-centrifugo exclude each other");
    const infraConfig = loadInfraConfig();
    const binary = centrifugoBinaryOf(infraConfig);
    if (values["start-centrifugo"] && !existsSync(binary))
      throw new UsageError(
        `--start-centrifugo: no Centrifugo binary at ${binary} (\`bun run shamdan infra up\` builds one with Go)`,
      );
    if (!values.data) throw new UsageError("--data DIR is required");
    let map: Record<string, string>;
    try {
      map = parseMap(values.map);
    } catch (error) {
      throw new UsageError(String((error as Error).message));
    }
    const fake = await startFakeNobitex({
      dataDir: values.data,
      port: positive("port", values.port),
      map,
      limit: positive("limit", values.limit),
      live: values.live,
      history: positive("history", values.history),
      speed: positive("speed", values.speed),
      retime: values.retime,
      seed: positive("seed", values.seed),
      faults: {
        rate429: rate("fault-429", values["fault-429"]),
        backOffSeconds: positive("backoff-seconds", values["backoff-seconds"]),
        rate5xx: rate("fault-5xx", values["fault-5xx"]),
        slowRate: rate("fault-slow", values["fault-slow"]),
        slowMs: positive("fault-slow-ms", values["fault-slow-ms"]),
        malformedRate: rate("fault-malformed", values["fault-malformed"]),
        invalidCandleRate: rate("fault-invalid-candle", values["fault-invalid-candle"]),
      },
    });
    process.stdout.write(
      `nobitex-fake listening on ${fake.url} (symbols ${fake.symbols.join(", ")}; ${values.live ? "live" : "history"}; stats at ${fake.url}/stats)\n`,
    );
    const own = values["start-centrifugo"]
      ? await startChildCentrifugo(binary, positive("centrifugo-port", values["centrifugo-port"]))
      : undefined;
    if (own)
      process.stdout.write(
        `nobitex-fake started Centrifugo (pid ${own.server.pid()}): NOBITEX_WS_URL=${own.server.wsUrl}\n`,
      );
    const target =
      own?.server ??
      (values.centrifugo
        ? centrifugoApi(values.centrifugo, values["centrifugo-key"] ?? infraConfig.INFRA_CENTRIFUGO_API_KEY)
        : undefined);
    let failures = 0;
    const stream = target
      ? startFakeStream({
          fake,
          centrifugo: target,
          intervalMs: positive("push-ms", values["push-ms"]) ?? 10_000,
          onError: (error) => {
            // One line when publishing starts failing, not one per push.
            if (failures++ === 0) process.stderr.write(`nobitex-fake: push failed: ${String(error)}\n`);
          },
        })
      : undefined;
    if (stream)
      process.stdout.write(
        `nobitex-fake pushing candles into ${own ? own.server.apiUrl : values.centrifugo}; stream faults: POST ${fake.url}${STREAM_FAULTS_PATH}\n`,
      );
    await untilSignal();
    await stream?.stop();
    await own?.close();
    await fake.stop();
    process.stdout.write(`${JSON.stringify(fake.stats)}\n`);
    return ExitCode.ok;
  },
};
