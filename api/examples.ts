/**
 * Example requests and responses for `/docs`, derived from the OpenAPI document (itself generated from
 * the valibot schemas the routes validate with), so an example has exactly the fields the code accepts
 * and returns. Values come from the field names (a symbol, a time, a price) and the schema (enums,
 * types); a test sends every example request to the app and checks every example response against
 * the route's response schema.
 */

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  nullable?: boolean;
  default?: unknown;
  $ref?: string;
};

interface Parameter {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

export interface Example {
  method: string;
  path: string;
  /** Path with the example query string. */
  url: string;
  query: Record<string, string>;
  body?: unknown;
  status: number;
  contentType: string;
  /** A JSON value for JSON responses, text otherwise. */
  response: unknown;
  /** The first documented error, as the API sends it. */
  error?: { status: number; body: unknown };
}

const SYMBOL = "BTCIRT";
const OPEN_TIME = Date.UTC(2026, 0, 6, 8, 30);
const TIME = new Date(OPEN_TIME).toISOString();
/** Optional query parameters worth showing; the others are left to their defaults. */
const SHOWN_OPTIONAL: Record<string, string> = {
  symbol: SYMBOL,
  interval: "5m",
  changes_only: "true",
  limit: "100",
};
/** Prices in rials (as Nobitex quotes IRT markets) and RSI values; statistics differ so they read as such. */
const PRICE = {
  value: 115_234_000_000,
  avg: 115_234_000_000,
  highest: 115_890_000_000,
  lowest: 114_620_000_000,
};
const RSI = { value: 61.8, avg: 52.4, highest: 71.3, lowest: 28.9 };

/** A plausible value for a field, by name first (prices, times, symbols), then by schema. */
function named(name: string, parents: string[]): unknown {
  const inRsi = parents.some((p) => p.startsWith("RSI"));
  if (name === "symbol" || name === "stock_symbol") return SYMBOL;
  if (
    name === "time" ||
    name === "last_candle_time" ||
    name === "from" ||
    name === "to" ||
    name === "next_from"
  )
    return TIME;
  if (name === "open_time" || name === "last_open_time") return OPEN_TIME;
  if (name === "period") return 60;
  if (name === "rows") return 1440;
  if (name === "volume") return 0.8421;
  if (name === "interval") return "5m";
  if (name.startsWith("RSI")) return RSI.value;
  if (name === "highest_gain") return 420_000_000;
  if (name === "highest_loss") return 310_000_000;
  if (name === "avg" || name === "highest" || name === "lowest") return (inRsi ? RSI : PRICE)[name];
  if (name === "high") return PRICE.highest;
  if (name === "low") return PRICE.lowest;
  if (name === "open" || name === "close" || /^(SMA|EMA)_/.test(name)) return PRICE.value;
  if (name === "message") return "the request is invalid";
  if (name === "error") return "invalid_request";
  if (name === "field") return "close";
  return undefined;
}

function resolve(schema: JsonSchema, root: unknown): JsonSchema {
  if (!schema.$ref) return schema;
  const path = schema.$ref
    .replace(/^#\//, "")
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
  let node: unknown = root;
  for (const key of path) node = (node as Record<string, unknown>)?.[key];
  return (node as JsonSchema) ?? {};
}

export function exampleOf(
  schema: JsonSchema,
  root: unknown = {},
  name = "",
  parents: string[] = [],
): unknown {
  const s = resolve(schema, root);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) {
    const concrete = alternatives.find((a) => a.type !== "null") ?? alternatives[0] ?? {};
    return exampleOf(concrete, root, name, parents);
  }
  if (s.enum) return s.enum.includes("close") ? "close" : s.enum[0];
  const byName = named(name, parents);
  if (s.type === "object" || s.properties || s.additionalProperties) {
    if (s.properties) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(s.properties)) {
        // Optional response fields are shown too: they are part of what a client may receive.
        out[key] = exampleOf(child, root, key, [...parents, name]);
      }
      return out;
    }
    if (typeof s.additionalProperties === "object") {
      // Records are keyed by symbol (summaries, errors).
      const value =
        name === "errors"
          ? "unknown symbol NOPE"
          : exampleOf(s.additionalProperties, root, "", [...parents, name]);
      return name === "errors" ? { NOPE: value } : { [SYMBOL]: value };
    }
    return {};
  }
  if (s.type === "array") {
    const item = exampleOf(s.items ?? {}, root, name, [...parents, name]);
    return name === "stock_symbol" ? [SYMBOL, "ETHIRT"] : [item];
  }
  if (
    byName !== undefined &&
    (typeof byName === s.type || (s.type === "integer" && typeof byName === "number"))
  )
    return byName;
  if (s.default !== undefined) return s.default;
  switch (s.type) {
    case "string":
      return typeof byName === "string" ? byName : "text";
    case "integer":
      return 1;
    case "number":
      return typeof byName === "number" ? byName : 1.5;
    case "boolean":
      return name === "configured";
    default:
      return byName ?? null;
  }
}

/** The query value a parameter is shown with: its example, as a string. */
function queryValue(p: Parameter, root: unknown): string {
  if (SHOWN_OPTIONAL[p.name] && !p.required) return SHOWN_OPTIONAL[p.name] as string;
  const value = exampleOf(p.schema, root, p.name);
  return String(value);
}

const TEXT_EXAMPLES: Record<string, (spec: unknown) => string> = {
  "text/event-stream": (spec) => {
    const signal = exampleOf(
      {
        $ref: "#/paths/~1api~1signals~1latest/get/responses/200/content/application~1json/schema/properties/signals/items",
      },
      spec,
    ) as Record<string, unknown>;
    const row = {
      ...signal,
      open: 115_100_000_000,
      high: 115_400_000_000,
      low: 115_000_000_000,
      volume: 0.8421,
    };
    const id = `${OPEN_TIME}-${SYMBOL}`;
    return (
      ": connected\n\n" +
      `event: signal\ndata: ${JSON.stringify({ ...signal, signal_changed: true })}\n\n` +
      `event: row\ndata: ${JSON.stringify({ ...row, signal_changed: true })}\nid: ${id}\n\n` +
      ": heartbeat\n"
    );
  },
  "text/plain": () =>
    "# HELP shamdan_api_streams_open Open /api/signals/stream connections (at most API_MAX_STREAMS)\n" +
    "# TYPE shamdan_api_streams_open gauge\nshamdan_api_streams_open 2\n…",
  "text/html": () => '<!doctype html><html lang="en">…</html>',
};

/** One example per operation of the document: a request that validates and a 200 response. */
export function examplesOf(spec: { paths: Record<string, Record<string, unknown>> }): Example[] {
  const root = spec;
  const out: Example[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const op = raw as Operation;
      const query: Record<string, string> = {};
      for (const p of op.parameters ?? []) {
        if (p.required || SHOWN_OPTIONAL[p.name]) query[p.name] = queryValue(p, root);
      }
      const bodySchema = op.requestBody?.content["application/json"]?.schema;
      const body = bodySchema ? requestBody(bodySchema, root) : undefined;
      const ok = op.responses["200"];
      const [contentType, media] = Object.entries(ok?.content ?? {})[0] ?? ["application/json", undefined];
      const isJson = contentType === "application/json";
      const response = isJson
        ? media && Object.keys(media.schema).length > 0
          ? exampleOf(media.schema, root)
          : pathDefault(path)
        : (TEXT_EXAMPLES[contentType]?.(root) ?? "");
      const search = new URLSearchParams(query).toString();
      out.push({
        method: method.toUpperCase(),
        path,
        url: search ? `${path}?${search}` : path,
        query,
        ...(body === undefined ? {} : { body }),
        status: 200,
        contentType,
        response,
        ...errorExample(op, root),
      });
    }
  }
  return out;
}

/** Request bodies show the required fields only: the smallest request that works. */
function requestBody(schema: JsonSchema, root: unknown): unknown {
  const full = exampleOf(schema, root) as Record<string, unknown>;
  const required = new Set(resolve(schema, root).required ?? []);
  return Object.fromEntries(Object.entries(full).filter(([key]) => required.has(key)));
}

/** JSON routes documented without a schema: what they answer. */
function pathDefault(path: string): unknown {
  if (path === "/healthz") return { status: "ok" };
  if (path === "/readyz") return { status: "ready" };
  if (path === "/openapi.json") return { openapi: "3.0.3", info: { title: "Shamdan API" }, paths: "…" };
  return {};
}

const ERROR_CODES: Record<number, [string, string]> = {
  400: ["invalid_request", "the request is invalid"],
  401: ["unauthorized", "missing or wrong bearer token"],
  404: ["not_found", `unknown symbol NOPE`],
  503: ["store_unavailable", "the data store did not answer; retry later"],
};

function errorExample(op: Operation, root: unknown): { error?: { status: number; body: unknown } } {
  const status = Object.keys(op.responses)
    .map(Number)
    .find((code) => code >= 400);
  const schema = status ? op.responses[String(status)]?.content?.["application/json"]?.schema : undefined;
  if (!status || !schema) return {};
  const body = exampleOf(schema, root) as Record<string, unknown>;
  const [error, message] = ERROR_CODES[status] ?? ["error", "error"];
  body.error = error;
  body.message = message;
  if (status === 400) {
    // The first field the route takes, reported as missing.
    const bodySchema = op.requestBody?.content["application/json"]?.schema;
    const field =
      (bodySchema ? resolve(bodySchema, root).required?.[0] : undefined) ??
      op.parameters?.[0]?.name ??
      "body";
    // As the validator words a missing field.
    body.message = bodySchema ? "invalid json" : "invalid query";
    body.issues = [{ field, message: `Invalid key: Expected "${field}" but received undefined` }];
  } else delete body.issues;
  return { error: { status, body } };
}
