import { describe, expect, test } from "bun:test";
import { expandGrafanaSql, unexpanded } from "./macros.ts";

// Expected strings follow Grafana's postgres macro engine (pkg/tsdb/grafana-postgresql-datasource/macros.go).
describe("expandGrafanaSql", () => {
  const from = new Date("2026-01-02T03:04:05.000Z");
  const to = new Date("2026-01-02T09:04:05.120Z");

  test("$__timeFilter becomes BETWEEN two RFC3339 (nano, trailing zeros dropped) literals", () => {
    expect(expandGrafanaSql("WHERE $__timeFilter(local_time)", { from, to })).toBe(
      "WHERE local_time BETWEEN '2026-01-02T03:04:05Z' AND '2026-01-02T09:04:05.12Z'",
    );
  });

  test("$__timeFrom(), $__timeTo(), $__time(col)", () => {
    expect(expandGrafanaSql("$__time(t), $__timeFrom(), $__timeTo()", { from, to })).toBe(
      `t AS "time", '2026-01-02T03:04:05Z', '2026-01-02T09:04:05.12Z'`,
    );
  });

  test("variables: $name and the braced form, longest name first, quotes doubled", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's braced variable syntax, not JS.
    const sql = "'$symbol' ${symbol} SAMPLE BY $__interval $__interval_ms";
    expect(
      expandGrafanaSql(sql, {
        from,
        to,
        variables: { symbol: "O'X", __interval: "5m", __interval_ms: "300000" },
      }),
    ).toBe("'O''X' O''X SAMPLE BY 5m 300000");
  });

  test("the sqlstring format is quoted and escaped by the expansion itself", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable format syntax, not JS.
    const sql = "stock_symbol = ${symbol:sqlstring}";
    expect(expandGrafanaSql(sql, { from, to, variables: { symbol: "O'X" } })).toBe("stock_symbol = 'O''X'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: as above.
    expect(() => expandGrafanaSql("${symbol:csv}", { from, to, variables: { symbol: "A" } })).toThrow("csv");
  });

  test("unknown macros fail loudly; unexpanded() finds leftovers", () => {
    expect(() => expandGrafanaSql("$__timeGroup(t, 1m)", { from, to })).toThrow("timeGroup");
    expect(unexpanded("a = '$symbol' AND b")).toEqual(["$symbol"]);
  });
});
