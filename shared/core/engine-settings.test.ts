import { describe, expect, test } from "bun:test";
import { loadConfig } from "./config.ts";
import { engineSettings } from "./engine-settings.ts";

describe("engineSettings", () => {
  test("maps the config names", () => {
    const config = loadConfig({ INDICATOR_FLAVOR: "pandas", SMA_PERIOD: "7", RSI_BUY_BELOW: "65" });
    expect(engineSettings(config)).toEqual({
      flavor: "pandas",
      smaPeriod: 7,
      emaPeriod: 10,
      rsiPeriod: 10,
      rsiBuyBelow: 65,
      rsiSellAbove: 30,
    });
  });

  test("INDICATOR_FLAVOR=seed, the flavor's old name, still selects pandas", () => {
    expect(engineSettings(loadConfig({ INDICATOR_FLAVOR: "seed" })).flavor).toBe("pandas");
  });

  test("talib is the default", () => {
    expect(engineSettings(loadConfig({})).flavor).toBe("talib");
  });
});
