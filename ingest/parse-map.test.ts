import { expect, test } from "bun:test";
import { parseMap } from "./parse-map.ts";

test("ALIAS=FILE pairs, upper-cased, spaces and empty items ignored", () => {
  expect(parseMap(undefined)).toEqual({});
  expect(parseMap(" btcirt=ETHBTC, ,ETHIRT=etcbtc ")).toEqual({ BTCIRT: "ETHBTC", ETHIRT: "ETCBTC" });
});

test("anything else is refused with the offending pair", () => {
  expect(() => parseMap("BTCIRT")).toThrow('"BTCIRT"');
  expect(() => parseMap("BTC-IRT=ETHBTC")).toThrow("ALIAS=FILE");
});
