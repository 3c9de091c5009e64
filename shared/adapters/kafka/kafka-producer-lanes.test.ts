import { describe, expect, test } from "bun:test";
import { ProducerLanes } from "./kafka-producer-lanes.ts";

describe("ProducerLanes", () => {
  test("a key keeps its lane; new keys take the lanes in turn", () => {
    const lanes = new ProducerLanes(3);
    expect(["BTC", "ETH", "XRP", "SHIB"].map((k) => lanes.laneFor(k))).toEqual([0, 1, 2, 0]);
    expect(["XRP", "BTC", "SHIB", "ETH"].map((k) => lanes.laneFor(k))).toEqual([2, 0, 0, 1]);
  });

  test("one lane is always lane 0", () => {
    const lanes = new ProducerLanes(1);
    expect(["a", "b", "c"].map((k) => lanes.laneFor(k))).toEqual([0, 0, 0]);
  });

  test("past maxKeys the pinning starts over and stays within the lanes", () => {
    const lanes = new ProducerLanes(2, 3);
    for (const k of ["a", "b", "c", "d", "e"]) expect(lanes.laneFor(k)).toBeLessThan(2);
  });

  test("a lane count below 1 is refused", () => {
    expect(() => new ProducerLanes(0)).toThrow(RangeError);
  });
});
