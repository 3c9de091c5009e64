import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
// The local infra's settings belong to the CLI workspace; .env.example lists both (relative import:
// shared/ does not depend on cli/ at runtime).
import { InfraConfigSchema, loadInfraConfig } from "../../cli/infra/infra-config.ts";
import { ConfigError, ConfigSchema, indicatorColumns, loadConfig, topicFor } from "./config.ts";

describe("loadConfig", () => {
  test("defaults follow the design table", () => {
    const config = loadConfig({});
    expect(config.SYMBOLS).toEqual(["BTCIRT", "ETHIRT", "USDTIRT", "ETCIRT", "SHIBIRT"]);
    expect(config.NOBITEX_BASE_URL).toBe("https://apiv2.nobitex.ir");
    expect(config.POLL_CRON).toBe("*/10 * * * * *");
    expect(config.BACKFILL_CANDLES).toBe(500);
    expect(config.BUS).toBe("kafka");
    expect(config.STORE).toBe("questdb");
    expect(config.INDICATOR_FLAVOR).toBe("talib");
    expect([config.SMA_PERIOD, config.EMA_PERIOD, config.RSI_PERIOD]).toEqual([5, 10, 10]);
    expect([config.RSI_BUY_BELOW, config.RSI_SELL_ABOVE]).toEqual([70, 30]);
    expect(config.API_TOKEN).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("empty strings count as unset and values are typed", () => {
    const config = loadConfig({
      SYMBOLS: " btcirt, ethusdt ",
      API_TOKEN: "",
      SMA_PERIOD: "7",
      RSI_BUY_BELOW: "65.5",
    });
    expect(config.SYMBOLS).toEqual(["BTCIRT", "ETHUSDT"]);
    expect(config.API_TOKEN).toBeUndefined();
    expect(config.SMA_PERIOD).toBe(7);
    expect(config.RSI_BUY_BELOW).toBe(65.5);
  });

  test("overrides beat the environment, which beats start-up defaults", () => {
    const config = loadConfig(
      { BUS: "kafka", STORE: "" },
      { LOG_LEVEL: "debug" },
      { BUS: "memory", STORE: "sqlite" },
    );
    expect([config.BUS, config.STORE, config.LOG_LEVEL]).toEqual(["kafka", "sqlite", "debug"]);
  });

  test("every problem is reported at once", () => {
    let error: unknown;
    try {
      loadConfig({ BUS: "rabbit", SMA_PERIOD: "five", NOBITEX_BASE_URL: "not a url", SYMBOLS: "BTC-IRT" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const key of ["BUS", "SMA_PERIOD", "NOBITEX_BASE_URL", "SYMBOLS"]) expect(problems).toContain(key);
  });

  test("topic names and column names carry the contract", () => {
    const config = loadConfig({ SMA_PERIOD: "7" });
    expect(topicFor(config, "BTCIRT")).toBe("btcirt_topic");
    expect(indicatorColumns(config)).toEqual({
      sma: "SMA_7",
      ema: "EMA_10",
      avgGain: "avg_gain_10",
      avgLoss: "avg_loss_10",
      rsi: "RSI_10",
    });
  });
});

describe(".env.example", () => {
  const lines = readFileSync(join(import.meta.dir, "..", "..", ".env.example"), "utf8").split("\n");
  const entries = lines
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const);

  test("lists every variable of both schemas (services, local infra) exactly once, and nothing else", () => {
    const names = entries.map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(
      [...Object.keys(ConfigSchema.entries), ...Object.keys(InfraConfigSchema.entries)].sort(),
    );
  });

  test("lists the local infra's settings under their own heading, and only those", () => {
    const start = lines.findIndex((line) => line.startsWith("# --- local infrastructure"));
    const end = lines.findIndex((line, i) => i > start && line.startsWith("# ---"));
    expect(start).toBeGreaterThan(0);
    const section = lines
      .slice(start, end === -1 ? undefined : end)
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => line.slice(0, line.indexOf("=")));
    expect(section.sort()).toEqual(Object.keys(InfraConfigSchema.entries).sort());
  });

  test("shows each variable's real default", () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    const parsedExample = loadConfig(Object.fromEntries(entries)) as Record<string, unknown>;
    expect(parsedExample).toEqual(defaults);
    expect(loadInfraConfig(Object.fromEntries(entries))).toEqual(loadInfraConfig({}));
  });

  test("says what each variable means: its block of variables starts under a comment", () => {
    for (const [name] of entries) {
      let index = lines.findIndex((line) => line.startsWith(`${name}=`));
      while (index > 0 && /^[A-Z_][A-Z0-9_]*=/.test(lines[index - 1] ?? "")) index--;
      expect(lines[index - 1] ?? "", `${name} needs a comment above it`).toStartWith("# ");
    }
  });
});
