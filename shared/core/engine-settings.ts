/**
 * The indicator engine's settings from the app's config. The indicators package takes plain settings
 * and knows nothing of environment variables, so this mapping lives on the app's side.
 */
import type { EngineSettings } from "@shamdan/indicators";
import type { Config } from "./config.ts";

type EngineConfig = Pick<
  Config,
  "INDICATOR_FLAVOR" | "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD" | "RSI_BUY_BELOW" | "RSI_SELL_ABOVE"
>;

export function engineSettings(config: EngineConfig): EngineSettings {
  return {
    flavor: config.INDICATOR_FLAVOR,
    smaPeriod: config.SMA_PERIOD,
    emaPeriod: config.EMA_PERIOD,
    rsiPeriod: config.RSI_PERIOD,
    rsiBuyBelow: config.RSI_BUY_BELOW,
    rsiSellAbove: config.RSI_SELL_ABOVE,
  };
}
