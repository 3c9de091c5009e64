/**
 * The production Store: ILP/HTTP writes (./ilp-writer.ts), SQL reads over PG wire with postgres.js.
 *
 * Time on the PG wire, verified against QuestDB 9.3.4:
 * - we never select a TIMESTAMP column as such: postgres.js parses oid 1114 with `new Date(string)`,
 *   i.e. in the process's LOCAL zone. We select `cast(local_time AS long) / 1000` (QuestDB timestamps
 *   are epoch MICROseconds) and get epoch ms as int8.
 * - bounds are bound as int8 microseconds (a JS bigint => oid 20); QuestDB compares a long with a
 *   TIMESTAMP as epoch micros, so `local_time >= $2` is exact and uses the designated-timestamp index.
 *
 * QuestDB WAL tables apply writes asynchronously: a read right after `write` may not see it yet
 * (tests poll with waitFor). Reads of a table that does not exist fail: call `init()` first; ILP
 * would otherwise auto-create a table with a `timestamp` column and no dedup keys.
 */
import postgres from "postgres";
import type { Config } from "../../core/config.ts";
import { ShamdanError } from "../../core/errors.ts";
import type { IndicatorRow } from "../../core/messages.ts";
import * as port from "../../core/store.ts";
import { questdbScorecardSql, scorecardUntil, toScorecardRow } from "../scorecard-sql.ts";
import { sqlAggregate, statsOf, toBar, toSignalEvent, toSummary, toSymbolInfo } from "../sql-shapes.ts";
import * as columns from "../store-columns.ts";
import { numberAt, numberOrNullAt, onlyRecord, type StoredRecord, textAt } from "../stored-values.ts";
import { IlpWriter } from "./ilp-writer.ts";

type QuestDbConfig = Pick<
  Config,
  | "QUESTDB_ILP_CONF"
  | "QUESTDB_PG_URL"
  | "QUESTDB_TABLE"
  | "QUESTDB_WRITE_THREADS"
  | "API_QUERY_TIMEOUT_MS"
  | "SMA_PERIOD"
  | "EMA_PERIOD"
  | "RSI_PERIOD"
>;
type Param = string | bigint | number;

const micros = (ms: number): bigint => BigInt(columns.clampMs(ms)) * 1000n;
const MS = "cast(local_time AS long) / 1000";

export class QuestDbStore implements port.Store {
  private readonly sql: postgres.Sql;
  private readonly writer: IlpWriter;
  private readonly cols: columns.ColumnNames;
  private readonly table: string;
  private readonly timeoutMs: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private initialized = false;

  constructor(config: QuestDbConfig) {
    this.cols = columns.columnNames(config);
    this.table = config.QUESTDB_TABLE;
    this.timeoutMs = config.API_QUERY_TIMEOUT_MS;
    this.sql = postgres(config.QUESTDB_PG_URL, {
      max: 10,
      idle_timeout: 30,
      connect_timeout: Math.max(1, Math.ceil(config.API_QUERY_TIMEOUT_MS / 1000)),
      // QuestDB has no pg_type array catalogue worth a round-trip on every connect.
      fetch_types: false,
      onnotice: () => {},
    });
    this.writer = new IlpWriter(config.QUESTDB_ILP_CONF, this.table, this.cols, config.QUESTDB_WRITE_THREADS);
  }

  async init(): Promise<void> {
    await this.createTable();
    this.initialized = true;
  }

  /**
   * ILP auto-creates a missing table — with a `timestamp` column and no dedup keys, i.e. the wrong
   * table (verified on 9.3.4) — so the first write creates it properly if `init()` was not called.
   */
  async write(rows: readonly IndicatorRow[]): Promise<void> {
    if (!this.initialized && rows.length > 0) await this.init();
    return this.writer.write(rows);
  }

  /** HTTP /ping through the ILP address the writes use (a proxy in front of QuestDB included). */
  pingWrites(): Promise<void> {
    return this.writer.ping();
  }

  private async createTable(): Promise<void> {
    const numeric = port.NUMERIC_FIELDS.map((f) => `"${this.cols[f]}" DOUBLE`).join(", ");
    await this.query(
      `CREATE TABLE IF NOT EXISTS "${this.table}" (stock_symbol SYMBOL, signal SYMBOL, local_time TIMESTAMP, ` +
        `${numeric}, signal_changed BOOLEAN) TIMESTAMP(local_time) PARTITION BY DAY WAL ` +
        "DEDUP UPSERT KEYS(local_time, stock_symbol)",
      [],
    );
  }

  async ping(): Promise<void> {
    await this.query("SELECT 1", []);
  }

  async aggregate(
    window: port.TimeWindow,
    field: port.NumericField,
    aggregation: port.Aggregation,
  ): Promise<number | null> {
    const records = await this.query(
      `SELECT ${sqlAggregate(aggregation)}("${this.cols[field]}") AS v FROM "${this.table}" WHERE ${WHERE}`,
      this.params(window),
    );
    return numberOrNullAt(onlyRecord(records, "aggregate"), "v");
  }

  async summarize(window: port.TimeWindow): Promise<port.Summary> {
    const c = this.cols;
    const records = await this.query(
      `SELECT ${statsOf("close", c.close)}, ${statsOf("sma", c.sma)}, ${statsOf("ema", c.ema)}, ` +
        `${statsOf("rsi", c.rsi)}, MAX("${c.gain}") AS max_gain, MAX("${c.loss}") AS max_loss, count() AS n ` +
        `FROM "${this.table}" WHERE ${WHERE}`,
      this.params(window),
    );
    return toSummary(onlyRecord(records, "summarize"));
  }

  async bars(window: port.TimeWindow, intervalSeconds: number, limit: number): Promise<port.Bar[]> {
    const c = this.cols;
    const seconds = columns.checkInterval(intervalSeconds);
    // SAMPLE BY walks rows in designated-timestamp order, so first()/last() are the bucket's first and
    // last candles. With the interval given in seconds, ALIGN TO CALENDAR (UTC) starts buckets at epoch
    // multiples of the interval — not at calendar weeks — matching SQLite (the contract checks 60 s..7 d).
    // The ORDER BY outside is needed: parallel SAMPLE BY returns buckets in no particular order, so a
    // LIMIT on it directly picks arbitrary buckets (seen on QuestDB 9.3.4 with 1h buckets over days).
    const records = await this.query(
      `SELECT * FROM (SELECT ${MS} AS "openTime", first(open) AS open, max(high) AS high, min(low) AS low, ` +
        `last(close) AS close, sum(volume) AS volume, last("${c.sma}") AS sma, last("${c.ema}") AS ema, ` +
        `last("${c.rsi}") AS rsi, last(signal) AS signal FROM "${this.table}" WHERE ${WHERE} ` +
        `SAMPLE BY ${seconds}s ALIGN TO CALENDAR) ORDER BY "openTime" LIMIT $4`,
      [...this.params(window), columns.checkLimit(limit)],
    );
    return records.map(toBar);
  }

  async rows(window: port.TimeWindow, limit: number): Promise<IndicatorRow[]> {
    const records = await this.query(
      `SELECT stock_symbol AS symbol, ${MS} AS "openTime", signal, signal_changed AS "signalChanged", ` +
        `${columns.selectNumericAs(this.cols)} FROM "${this.table}" WHERE ${WHERE} ORDER BY local_time LIMIT $4`,
      [...this.params(window), columns.checkLimit(limit)],
      ROW_PAGE,
    );
    return records.map(columns.toIndicatorRow);
  }

  async signals(
    window: Omit<port.TimeWindow, "symbol"> & { symbol?: string },
    options: { changesOnly: boolean; limit: number },
  ): Promise<port.SignalEvent[]> {
    const params: Param[] = [micros(window.from), micros(window.to), columns.checkLimit(options.limit)];
    let where = "local_time >= $1 AND local_time < $2";
    if (window.symbol !== undefined) {
      params.push(window.symbol);
      where += " AND stock_symbol = $4";
    }
    if (options.changesOnly) where += " AND signal_changed = true";
    const records = await this.query(
      `${this.signalSelect()} WHERE ${where} ORDER BY local_time, stock_symbol LIMIT $3`,
      params,
      ROW_PAGE,
    );
    return records.map(toSignalEvent);
  }

  async scorecard(
    window: Omit<port.TimeWindow, "symbol"> & { symbol?: string },
  ): Promise<port.ScorecardRow[]> {
    const params: Param[] = [micros(window.from), micros(window.to), micros(scorecardUntil(window.to))];
    if (window.symbol !== undefined) params.push(window.symbol);
    const records = await this.query(questdbScorecardSql(this.table, window.symbol !== undefined), params);
    return records.map(toScorecardRow);
  }

  async latestSignals(): Promise<port.SignalEvent[]> {
    const records = await this.query(
      `SELECT * FROM (${this.signalSelect()} LATEST ON local_time PARTITION BY stock_symbol) ORDER BY symbol`,
      [],
    );
    return records.map(toSignalEvent);
  }

  async symbols(): Promise<port.SymbolInfo[]> {
    const [latest, counts] = await Promise.all([
      this.query(
        `SELECT stock_symbol AS symbol, ${MS} AS "lastOpenTime", signal AS "latestSignal" FROM "${this.table}" ` +
          "LATEST ON local_time PARTITION BY stock_symbol",
        [],
      ),
      this.query(`SELECT stock_symbol AS symbol, count() AS n FROM "${this.table}"`, []),
    ]);
    const rowsOf = new Map(counts.map((r) => [textAt(r, "symbol"), numberAt(r, "n")]));
    return latest
      .map((r) => toSymbolInfo(r, rowsOf.get(textAt(r, "symbol")) ?? 0))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  /**
   * Lets queries in flight finish (each is bounded by the query timeout), then ends the pool at once:
   * after a connection error, postgres.js on Bun keeps `end()` waiting for its whole grace timeout.
   */
  async close(): Promise<void> {
    await Promise.allSettled([this.writer.close(), ...this.inFlight]);
    await this.sql.end({ timeout: 0 });
  }

  private signalSelect(): string {
    const c = this.cols;
    return (
      `SELECT stock_symbol AS symbol, ${MS} AS "openTime", close, signal, signal_changed AS "signalChanged", ` +
      `"${c.sma}" AS sma, "${c.ema}" AS ema, "${c.rsi}" AS rsi FROM "${this.table}"`
    );
  }

  private params(window: port.TimeWindow): Param[] {
    return [window.symbol, micros(window.from), micros(window.to)];
  }

  /**
   * Every query goes through here: parameters only, prepared once per connection (row pages aside,
   * see ROW_PAGE), a client-side timeout that also cancels the statement on the server (QuestDB
   * honours PG cancel requests), and typed errors.
   */
  private async query(
    text: string,
    params: Param[],
    { prepare } = { prepare: true },
  ): Promise<StoredRecord[]> {
    // Named prepared statements: QuestDB then parses and plans each query text once per connection
    // instead of on every call (the api bench's reads measure the difference).
    const pending = this.sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], {
      prepare,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        pending.cancel();
        reject(new ShamdanError("STORE_TIMEOUT", `QuestDB query exceeded ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    const settled = Promise.race([pending, timeout]);
    this.inFlight.add(settled);
    try {
      return (await settled) as unknown as StoredRecord[];
    } catch (error) {
      throw classifyReadError(error);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(settled);
    }
  }
}

const WHERE = "stock_symbol = $1 AND local_time >= $2 AND local_time < $3";
/**
 * Pages of rows (`rows`, `signals`: up to 10,000 rows, replays and exports) are not prepared: planning
 * is a small part of their cost, and with named statements postgres.js held clearly more memory under
 * the replay load of api/memory.integration.test.ts. The small reads the API answers most are.
 */
const ROW_PAGE = { prepare: false };

/** A PostgresError is the server answering (bad SQL, missing table); anything else means it is unreachable. */
function classifyReadError(error: unknown): ShamdanError {
  if (error instanceof ShamdanError) return error;
  if (error instanceof postgres.PostgresError)
    return new ShamdanError("STORE_QUERY_FAILED", `QuestDB query failed: ${error.message}`, {
      cause: error,
    });
  const text = error instanceof Error ? error.message : String(error);
  return new ShamdanError("STORE_UNAVAILABLE", `QuestDB unreachable: ${text}`, { cause: error });
}
