/**
 * What every route needs, built once per app: the store behind a query timeout, the column mapping,
 * the schemas, and which symbols exist. Routes get this object, never the environment.
 */
import type { Config } from "@shamdan/shared/core/config";
import { ShamdanError } from "@shamdan/shared/core/errors";
import type { Logger } from "@shamdan/shared/core/log";
import type { StoreReader } from "@shamdan/shared/core/store";
import { STORE_ERROR_CODES } from "./api-error.ts";
import { type FieldMap, fieldMap } from "./fields.ts";
import { QueryCache } from "./query-cache.ts";
import { type ApiSchemas, apiSchemas } from "./schemas.ts";

/** Store symbols not in SYMBOLS (recorded or retired markets) are looked up at most this often. */
const SYMBOL_CACHE_MS = 10_000;
/** Readiness probes (load balancers, kubelets, several at once) share one store ping per this long. */
const READY_PROBE_MS = 1000;

export interface ApiContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: StoreReader;
  readonly fields: FieldMap;
  readonly schemas: ApiSchemas;
  /**
   * Runs one store call under API_QUERY_TIMEOUT_MS; store failures become typed 503 errors. With a
   * `key` (the call's arguments), identical calls share one store round-trip (see query-cache.ts).
   */
  query<T>(what: string, run: (store: StoreReader) => Promise<T>, key?: string): Promise<T>;
  /** True for configured symbols and for symbols that have rows in the store. */
  isKnownSymbol(symbol: string): Promise<boolean>;
  /**
   * Resolves when the store answered a ping, throws the store's error otherwise. One ping serves every
   * caller within READY_PROBE_MS of its start (and while it is in flight), so probes cost the store at
   * most one trivial query a second.
   */
  ready(): Promise<void>;
  /** Estimated bytes the answer cache holds now (for /metrics). */
  cacheBytes(): number;
}

// Long on purpose: the query timeout, the answer cache and the readiness probe share one store and config.
export function createApiContext(
  store: StoreReader,
  config: Config,
  logger: Logger,
  cacheTtlMs = 1000,
): ApiContext {
  const fields = fieldMap(config);
  const configured = new Set(config.SYMBOLS);
  let stored: { at: number; symbols: Set<string> } | undefined;

  const cache = new QueryCache(cacheTtlMs, config.API_CACHE_MAX_BYTES);
  const caching = cacheTtlMs > 0 && config.API_CACHE_MAX_BYTES > 0;
  let probe: { at: number; settled: boolean; result: Promise<void> } | undefined;
  const uncached = async <T>(what: string, run: (s: StoreReader) => Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new ShamdanError("QUERY_TIMEOUT", `${what} took over ${config.API_QUERY_TIMEOUT_MS} ms`)),
        config.API_QUERY_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([run(store), timeout]);
    } catch (error) {
      if (error instanceof ShamdanError && STORE_ERROR_CODES.has(error.code)) throw error;
      // Whatever else the store throws (driver errors, dropped connections) is the store's failure,
      // not the client's: a retryable 503, with the cause kept for the log.
      logger.warn("store query failed", { what, error });
      throw new ShamdanError("STORE_ERROR", `${what} failed`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };

  const query = <T>(what: string, run: (s: StoreReader) => Promise<T>, key?: string): Promise<T> =>
    key === undefined || !caching
      ? uncached(what, run)
      : cache.get(`${what}|${key}`, () => uncached(what, run));

  return {
    config,
    logger,
    store,
    fields,
    schemas: apiSchemas(config, fields),
    query,
    async isKnownSymbol(symbol) {
      if (configured.has(symbol)) return true;
      if (!stored || Date.now() - stored.at > SYMBOL_CACHE_MS) {
        const list = await query("symbols", (s) => s.symbols());
        stored = { at: Date.now(), symbols: new Set(list.map((info) => info.symbol)) };
      }
      return stored.symbols.has(symbol);
    },
    ready() {
      const now = Date.now();
      if (!probe || (probe.settled && now - probe.at >= READY_PROBE_MS)) {
        const current = { at: now, settled: false, result: uncached("ping", (s) => s.ping()) };
        // Awaited by every probe in the window; a failure nobody awaits must not be "unhandled".
        current.result.then(
          () => {
            current.settled = true;
          },
          () => {
            current.settled = true;
          },
        );
        probe = current;
      }
      return probe.result;
    },
    cacheBytes: () => cache.bytes,
  };
}
