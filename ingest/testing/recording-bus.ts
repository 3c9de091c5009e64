/** Test double of the Bus port: keeps every published candle message per topic; can be told to fail. */
import type { Bus, OutgoingMessage, TopicSpec } from "@shamdan/shared/core/bus";
import type { CandleMessage } from "@shamdan/shared/core/messages";

export class RecordingBus implements Bus {
  readonly topics = new Map<string, CandleMessage[]>();
  readonly ensured: TopicSpec[] = [];
  failPublishes = 0;
  async ensureTopics(topics: TopicSpec[]) {
    this.ensured.push(...topics);
  }
  async publish(topic: string, messages: OutgoingMessage[]) {
    if (this.failPublishes > 0) {
      this.failPublishes--;
      throw new Error("broker unavailable");
    }
    const list = this.topics.get(topic) ?? [];
    for (const m of messages) list.push(JSON.parse(String(m.value)));
    this.topics.set(topic, list);
  }
  async subscribe(): Promise<never> {
    throw new Error("not used");
  }
  async readLatestByKey(): Promise<never> {
    throw new Error("not used");
  }
  async close() {}
}
