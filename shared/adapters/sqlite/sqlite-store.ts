/**
 * The embedded Store (`bun start`): bun:sqlite, WAL journal, one row per (stock_symbol, local_time)
 * with an upsert, so a re-delivered candle replaces the earlier row exactly as QuestDB's DEDUP UPSERT
 * KEYS does. `local_time` is INTEGER epoch ms UTC. Same column names as the QuestDB table.
 */
import { Database, type SQLQueryBindings } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Config } from "../../core/config.ts";
import { ShamdanError } from "../../core/errors.ts";
import type { IndicatorRow } from "../../core/messages.ts";
import * as port from "../../core/store.ts";
import { scorecardUntil, sqliteScorecardSql, toScorecardRow } from "../scorecard-sql.ts";
import { sqlAggregate, statsOf, toBar, toSignalEvent, toSummary, toSymbolInfo } from "../sql-shapes.ts";
import * as columns from "../store-columns.ts";
import { numberAt, numberOrNullAt, onlyRecord, type StoredRecord } from "../stored-values.ts";

type Params = Record<string, string | number | null>;

export class SqliteStore implements port.Store {
  private readonly db: Database;
  private readonly cols: columns.ColumnNames;
  private readonly table: string;

  constructor(
    config: Pick<Config, "SQLITE_PATH" | "QUESTDB_TABLE" | "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD">,
  ) {
    const path = config.SQLITE_PATH;
    if (path !== ":memory:" && !path.startsWith("file:")) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { create: true, strict: true });
    this.cols = columns.columnNames(config);
    // The identifier regex of QUESTDB_TABLE makes it safe to quote into SQL.
    this.table = `"${config.QUESTDB_TABLE}"`;
  }

  async init(): Promise<void> {
    this.run(() => {
      this.db.exec("PRAGMA journal_mode = WAL");
      // NORMAL is durable against process crashes in WAL mode (only an OS crash can lose the last commit).
      this.db.exec("PRAGMA synchronous = NORMAL");
      this.db.exec("PRAGMA busy_timeout = 5000");
      const numeric = port.NUMERIC_FIELDS.map((f) => `"${this.cols[f]}" REAL`).join(", ");
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS ${this.table} (stock_symbol TEXT NOT NULL, signal TEXT NOT NULL, ` +
          `local_time INTEGER NOT NULL, ${numeric}, signal_changed INTEGER NOT NULL DEFAULT 0, ` +
          "PRIMARY KEY (stock_symbol, local_time)) WITHOUT ROWID",
      );
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS "${this.table.slice(1, -1)}_time" ON ${this.table} (local_time)`,
      );
    });
  }

  async write(rows: readonly IndicatorRow[]): Promise<void> {
    if (rows.length === 0) return;
    const names = port.NUMERIC_FIELDS.map((f) => `"${this.cols[f]}"`);
    const insert = this.db.query(
      `INSERT INTO ${this.table} (stock_symbol, signal, local_time, ${names.join(", ")}, signal_changed) ` +
        `VALUES (?, ?, ?, ${names.map(() => "?").join(", ")}, ?) ON CONFLICT (stock_symbol, local_time) ` +
        `DO UPDATE SET signal = excluded.signal, ${names.map((n) => `${n} = excluded.${n}`).join(", ")}, ` +
        "signal_changed = excluded.signal_changed",
    );
    // One transaction per batch: all rows or none.
    const writeAll = this.db.transaction((batch: readonly IndicatorRow[]) => {
      for (const r of batch) {
        const values: SQLQueryBindings[] = [r.symbol, r.signal, r.openTime];
        for (const f of port.NUMERIC_FIELDS) values.push(r[f]);
        values.push(r.signalChanged ? 1 : 0);
        insert.run(...values);
      }
    });
    this.run(() => writeAll(rows));
  }

  async ping(): Promise<void> {
    this.all("SELECT 1 AS one", {});
  }

  async aggregate(
    window: port.TimeWindow,
    field: port.NumericField,
    aggregation: port.Aggregation,
  ): Promise<number | null> {
    const records = this.all(
      `SELECT ${sqlAggregate(aggregation)}("${this.cols[field]}") AS v FROM ${this.table} WHERE ${this.where()}`,
      this.params(window),
    );
    return numberOrNullAt(onlyRecord(records, "aggregate"), "v");
  }

  async summarize(window: port.TimeWindow): Promise<port.Summary> {
    const c = this.cols;
    const records = this.all(
      `SELECT ${statsOf("close", c.close)}, ${statsOf("sma", c.sma)}, ${statsOf("ema", c.ema)}, ` +
        `${statsOf("rsi", c.rsi)}, MAX("${c.gain}") AS max_gain, MAX("${c.loss}") AS max_loss, COUNT(*) AS n ` +
        `FROM ${this.table} WHERE ${this.where()}`,
      this.params(window),
    );
    return toSummary(onlyRecord(records, "summarize"));
  }

  async bars(window: port.TimeWindow, intervalSeconds: number, limit: number): Promise<port.Bar[]> {
    const c = this.cols;
    // SQLite has no first()/last(): group for each bucket's first and last times, then fetch those two
    // rows by primary key (a join back to the grouped rows would be quadratic).
    const records = this.all(
      "WITH g AS (SELECT (local_time - (local_time % $iv + $iv) % $iv) AS bucket, MIN(local_time) AS ft, " +
        "MAX(local_time) AS lt, MAX(high) AS high, MIN(low) AS low, SUM(volume) AS volume " +
        `FROM ${this.table} WHERE ${this.where()} GROUP BY bucket) ` +
        `SELECT g.bucket AS "openTime", f.open AS open, g.high AS high, g.low AS low, l.close AS close, ` +
        `g.volume AS volume, l."${c.sma}" AS sma, l."${c.ema}" AS ema, l."${c.rsi}" AS rsi, l.signal AS signal ` +
        `FROM g JOIN ${this.table} f ON f.stock_symbol = $symbol AND f.local_time = g.ft ` +
        `JOIN ${this.table} l ON l.stock_symbol = $symbol AND l.local_time = g.lt ORDER BY g.bucket LIMIT $limit`,
      {
        ...this.params(window),
        iv: columns.checkInterval(intervalSeconds) * 1000,
        limit: columns.checkLimit(limit),
      },
    );
    return records.map(toBar);
  }

  async rows(window: port.TimeWindow, limit: number): Promise<IndicatorRow[]> {
    const records = this.all(
      `SELECT stock_symbol AS symbol, local_time AS "openTime", signal, signal_changed AS "signalChanged", ` +
        `${columns.selectNumericAs(this.cols)} FROM ${this.table} WHERE ${this.where()} ORDER BY local_time LIMIT $limit`,
      { ...this.params(window), limit: columns.checkLimit(limit) },
    );
    return records.map(columns.toIndicatorRow);
  }

  async signals(
    window: Omit<port.TimeWindow, "symbol"> & { symbol?: string },
    options: { changesOnly: boolean; limit: number },
  ): Promise<port.SignalEvent[]> {
    const params: Params = {
      from: columns.clampMs(window.from),
      to: columns.clampMs(window.to),
      limit: columns.checkLimit(options.limit),
    };
    let where = "local_time >= $from AND local_time < $to";
    if (window.symbol !== undefined) {
      where += " AND stock_symbol = $symbol";
      params.symbol = window.symbol;
    }
    if (options.changesOnly) where += " AND signal_changed = 1";
    return this.all(
      `${this.signalSelect()} WHERE ${where} ORDER BY local_time, stock_symbol LIMIT $limit`,
      params,
    ).map(toSignalEvent);
  }

  async scorecard(
    window: Omit<port.TimeWindow, "symbol"> & { symbol?: string },
  ): Promise<port.ScorecardRow[]> {
    const params: Params = {
      from: columns.clampMs(window.from),
      to: columns.clampMs(window.to),
      until: columns.clampMs(scorecardUntil(window.to)),
    };
    if (window.symbol !== undefined) params.symbol = window.symbol;
    return this.all(sqliteScorecardSql(this.table, window.symbol !== undefined), params).map(toScorecardRow);
  }

  async latestSignals(): Promise<port.SignalEvent[]> {
    return this.all(
      `${this.signalSelect()} t JOIN (SELECT stock_symbol AS s, MAX(local_time) AS lt FROM ${this.table} ` +
        "GROUP BY stock_symbol) g ON t.stock_symbol = g.s AND t.local_time = g.lt ORDER BY t.stock_symbol",
      {},
    ).map(toSignalEvent);
  }

  async symbols(): Promise<port.SymbolInfo[]> {
    return this.all(
      `SELECT t.stock_symbol AS symbol, t.local_time AS "lastOpenTime", t.signal AS "latestSignal", g.n AS rows ` +
        `FROM ${this.table} t JOIN (SELECT stock_symbol, MAX(local_time) AS lt, COUNT(*) AS n FROM ${this.table} ` +
        "GROUP BY stock_symbol) g ON g.stock_symbol = t.stock_symbol AND g.lt = t.local_time ORDER BY t.stock_symbol",
      {},
    ).map((r) => toSymbolInfo(r, numberAt(r, "rows")));
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private signalSelect(): string {
    const c = this.cols;
    return (
      `SELECT stock_symbol AS symbol, local_time AS "openTime", close, signal, signal_changed AS "signalChanged", ` +
      `"${c.sma}" AS sma, "${c.ema}" AS ema, "${c.rsi}" AS rsi FROM ${this.table}`
    );
  }

  private where(): string {
    return "stock_symbol = $symbol AND local_time >= $from AND local_time < $to";
  }

  private params(window: port.TimeWindow): Params {
    return { symbol: window.symbol, from: columns.clampMs(window.from), to: columns.clampMs(window.to) };
  }

  private all(sql: string, params: Params): StoredRecord[] {
    return this.run(() => this.db.query(sql).all(params) as StoredRecord[]);
  }

  private run<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      // Another process holding the write lock is transient; anything else is a bug or a broken file.
      const busy = code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
      throw new ShamdanError(busy ? "STORE_UNAVAILABLE" : "STORE_FAILED", `sqlite: ${String(error)}`, {
        cause: error,
      });
    }
  }
}
