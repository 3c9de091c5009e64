/**
 * A live feed that is not live yet (the API started before Kafka): streams poll the store meanwhile, so
 * a row stored in that time still reaches them; once the feed is live it carries the stream alone.
 */
import { expect, test } from "bun:test";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { type LiveFeed, LiveHub } from "../live-feed.ts";
import { readEvents } from "../testing/sse-reader.ts";
import { testApp } from "../testing/test-app.ts";

/** A hub that says it is not live until told. */
class LateFeed implements LiveFeed {
  readonly hub = new LiveHub();
  live = false;
  subscribe(listener: (row: IndicatorRow) => void): () => void {
    return this.hub.subscribe(listener);
  }
  isLive(): boolean {
    return this.live;
  }
}

test("while the feed is not live the stream polls the store; once live, the feed carries it", async () => {
  const feed = new LateFeed();
  const t = await testApp({}, { liveFeed: feed, stream: { heartbeatMs: 1000, pollMs: 20 } });
  const rows = t.rows.ETHBTC ?? [];
  const last = rows[rows.length - 1] as IndicatorRow;
  const minute = (n: number): IndicatorRow => ({ ...last, openTime: last.openTime + n * 60_000 });
  const res = await t.app.request("/api/signals/stream?symbol=ETHBTC");
  expect(res.status).toBe(200);
  // Stored while the feed is not live: only the store poll can find it.
  await t.store.write([minute(1)]);
  let step = 0;
  const events = await readEvents(res, (e) => {
    const seen = e.filter((x) => x.event === "row").length;
    if (seen === 1 && step === 0) {
      step = 1;
      // Live now: the poller makes one last poll (which finds nothing new) and stops.
      feed.live = true;
      setTimeout(() => {
        feed.hub.publish(minute(2));
      }, 100);
    }
    return seen >= 2;
  });
  const times = events.filter((e) => e.event === "row").map((e) => JSON.parse(e.data ?? "").open_time);
  expect(times).toEqual([minute(1).openTime, minute(2).openTime]);
});
