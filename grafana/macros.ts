/**
 * Expands panel and alert SQL the way Grafana does before QuestDB sees it, so tests can run the
 * exact text. Macros follow Grafana's postgres macro engine
 * (grafana/grafana pkg/tsdb/grafana-postgresql-datasource/macros.go): `$__timeFilter(col)` ->
 * `col BETWEEN '<from RFC3339>' AND '<to RFC3339>'`, `$__timeFrom()`, `$__timeTo()`, `$__time(col)`.
 * Template variables are replaced first, as Grafana's frontend does (single-value SQL variables
 * are inserted unquoted, with `'` doubled; `${name:sqlstring}` quotes the value too).
 */
export interface Expansion {
  from: Date;
  to: Date;
  /** Dashboard variables and built-ins such as `__interval` (without the `$`). */
  variables?: Record<string, string>;
}

// Go's RFC3339Nano drops trailing zeros of the fraction (and the dot when nothing is left).
const rfc3339 = (d: Date) => d.toISOString().replace(/\.?0+Z$/, "Z");

export function expandGrafanaSql(sql: string, { from, to, variables = {} }: Expansion): string {
  // Longest names first, so `$__interval_ms` is not eaten by `$__interval`.
  const names = Object.keys(variables).sort((a, b) => b.length - a.length);
  let out = sql;
  for (const name of names) {
    const value = (variables[name] ?? "").replaceAll("'", "''");
    out = out.replace(
      new RegExp(`\\$\\{${name}(?::([a-z]+))?\\}|\\$${name}(?![A-Za-z0-9_])`, "g"),
      (_, format: string | undefined) => {
        if (format === undefined) return value;
        if (format === "sqlstring") return `'${value}'`;
        throw new Error(`variable format :${format} is not expanded here: add it deliberately`);
      },
    );
  }
  return out.replace(/\$([_a-zA-Z0-9]+)\(([^)]*)\)/g, (_, macro: string, rawArgs: string) => {
    const args = rawArgs.split(",").map((a) => a.trim());
    switch (macro) {
      case "__timeFilter":
        return `${args[0]} BETWEEN '${rfc3339(from)}' AND '${rfc3339(to)}'`;
      case "__timeFrom":
        return `'${rfc3339(from)}'`;
      case "__timeTo":
        return `'${rfc3339(to)}'`;
      case "__time":
        return `${args[0]} AS "time"`;
      default:
        throw new Error(
          `macro $${macro} is not expanded here (and may not suit QuestDB): add it deliberately`,
        );
    }
  });
}

/** `$names` left after expansion: a test asserts there are none. */
export function unexpanded(sql: string): string[] {
  return [...sql.matchAll(/\$\{?[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]);
}
