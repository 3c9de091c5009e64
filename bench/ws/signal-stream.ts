/**
 * The far end of the exchange-to-signal measurement: the services as their commands run them (child
 * processes of `bun cli/main.ts`, through the chaos suite's Fleet) and an SSE client reading
 * `GET /api/signals/stream` over HTTP, handing each row event's candle values on with the moment its
 * bytes were read.
 */
import { mkdirSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import { SseSplitter } from "../../api/testing/sse-client.ts";
import { Fleet } from "../../cli/chaos/fleet.ts";
import { REPO_ROOT } from "../../processor/testing/pipeline-harness.ts";
import { type Config, ConfigSchema } from "../../shared/core/config.ts";
import type { CandleValues } from "./delivery.ts";

/** Every Shamdan setting blank (blank counts as unset): a child sees the bench's settings, not the shell's. */
export const clearedSettings: Record<string, string> = Object.fromEntries(
  Object.keys(ConfigSchema.entries).map((key) => [key, ""]),
);

export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  await server.stop(true);
  return port;
}

/** A fleet of `bun cli/main.ts` children, their logs in `logDir` (created). */
export function newFleet(logDir: string): Fleet {
  mkdirSync(logDir, { recursive: true });
  return new Fleet(REPO_ROOT, logDir);
}

/** Throws, naming the logs, if a service of the fleet exited on its own. */
export function assertRunning(fleet: Fleet): void {
  const [exit] = fleet.unexpectedExits;
  if (exit) throw new Error(`${exit.name} exited with ${exit.code} (log ${exit.log})`);
}

interface RowData {
  symbol: string;
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Follows the stream until `stop()`; `onRow` gets each row event's candle and when it was read. */
export async function followSignalStream(
  apiUrl: string,
  onRow: (candle: CandleValues, at: number) => void,
): Promise<{ stop(): Promise<void> }> {
  const abort = new AbortController();
  const response = await fetch(`${apiUrl}/api/signals/stream`, { signal: abort.signal });
  if (response.status !== 200 || !response.body)
    throw new Error(`GET /api/signals/stream answered ${response.status}: ${await response.text()}`);
  const reader = response.body.getReader();
  let readAt = 0;
  const splitter = new SseSplitter((block) => {
    if (!block.startsWith("event: row\n")) return;
    const data = block.split("\n").find((line) => line.startsWith("data: "));
    if (!data) return;
    const row = JSON.parse(data.slice("data: ".length)) as RowData;
    onRow(
      {
        symbol: row.symbol,
        openTime: row.open_time,
        open: row.open,
        high: row.high,
        low: row.low,
        close: row.close,
        volume: row.volume,
      },
      readAt,
    );
  });
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      readAt = performance.now();
      splitter.push(value);
    }
  })().catch((error) => {
    if (!abort.signal.aborted) throw error;
  });
  return {
    async stop() {
      abort.abort();
      await reading;
    },
  };
}

/**
 * The API's live-feed groups (`api-live-<uuid>`, one per API process) that consumed this run's output
 * topic: the API names them itself, so the run finds its own by their committed offsets.
 */
export async function liveGroupsOf(config: Config): Promise<string[]> {
  const admin = new Kafka({ brokers: [...config.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const mine: string[] = [];
    for (const { groupId } of groups.filter((g) => g.groupId.startsWith("api-live-"))) {
      const offsets = await admin.fetchOffsets({ groupId, topics: [config.OUTPUT_TOPIC] }).catch(() => []);
      if (offsets.some((t) => t.partitions.some((p) => Number(p.offset) >= 0))) mine.push(groupId);
    }
    return mine;
  } finally {
    await admin.disconnect();
  }
}
