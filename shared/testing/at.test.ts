import { describe, expect, test } from "bun:test";
import { at, first, last } from "./at.ts";

describe("checked reads", () => {
  test("return the element, counting negative indexes from the end", () => {
    const xs = ["a", "b", "c"];
    expect(at(xs, 1)).toBe("b");
    expect(at(xs, -1)).toBe("c");
    expect(first(xs)).toBe("a");
    expect(last(xs)).toBe("c");
  });

  test("a missing element throws naming the index and the length", () => {
    expect(() => at(["a"], 1)).toThrow("no element at index 1: the list has 1");
    expect(() => at(["a"], -2)).toThrow("no element at index -2: the list has 1");
    expect(() => at(["a"], 0.5)).toThrow(RangeError);
    expect(() => first([])).toThrow("the list has 0");
    expect(() => last(new Float64Array(0))).toThrow("the list has 0");
  });
});
