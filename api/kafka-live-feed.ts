/**
 * The live stream's source in Kafka mode: consumes `output_topic` through the Bus port and fans the
 * rows out to the open SSE connections. Each API instance uses its own group (`api-live-<uuid>`)
 * starting at the topic's end: every instance must see every row, none needs history (resume reads
 * the store), so its offsets are worthless once the process is gone.
 */
import { randomUUID } from "node:crypto";
import type { Bus, Subscription } from "@shamdan/shared/core/bus";
import type { Config } from "@shamdan/shared/core/config";
import type { Logger } from "@shamdan/shared/core/log";
import { parseRowMessage } from "@shamdan/shared/core/row-codec";
import { type LiveFeed, LiveHub } from "./live-feed.ts";

export class BusLiveFeed implements LiveFeed {
  readonly #hub = new LiveHub();
  #subscription: Subscription | undefined;
  readonly groupId = `api-live-${randomUUID()}`;

  constructor(
    private readonly bus: Bus,
    private readonly config: Pick<Config, "OUTPUT_TOPIC">,
    private readonly logger: Logger,
  ) {}

  subscribe(listener: Parameters<LiveFeed["subscribe"]>[0]): () => void {
    return this.#hub.subscribe(listener);
  }

  async start(): Promise<void> {
    await this.bus.ensureTopics([{ name: this.config.OUTPUT_TOPIC }]);
    this.#subscription = await this.bus.subscribe({
      groupId: this.groupId,
      topics: [this.config.OUTPUT_TOPIC],
      fromBeginning: false,
      onBatch: async (batch) => {
        for (const message of batch.messages) {
          const parsed = parseRowMessage(message.value);
          // The sink dead-letters bad messages; the stream only skips them.
          if (parsed.ok) this.#hub.publish(parsed.value);
          else this.logger.debug("live feed skipped a bad message", { offset: message.offset });
        }
      },
    });
    this.logger.info("live feed consuming", { topic: this.config.OUTPUT_TOPIC, groupId: this.groupId });
  }

  isLive(): boolean {
    return this.#subscription !== undefined;
  }

  async stop(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.stop();
    this.#subscription = undefined;
  }
}
