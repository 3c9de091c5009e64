/**
 * `/openapi.json`, generated from the very valibot schemas the routes validate with
 * (@valibot/to-json-schema), so the spec cannot drift from the code. Each route module lists its
 * `RouteDoc`s next to its handlers.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";

type AnySchema = v.GenericSchema;

export interface RouteDoc {
  method: "get" | "post";
  path: string;
  summary: string;
  body?: AnySchema;
  /** An object schema whose entries are the query parameters. */
  query?: v.ObjectSchema<v.ObjectEntries, undefined> | v.StrictObjectSchema<v.ObjectEntries, undefined>;
  response?: AnySchema;
  /** Content type of a non-JSON success response (SSE, Prometheus text, HTML). */
  responseType?: string;
  errors?: number[];
  /** Routes that stay open when API_TOKEN is set. */
  public?: boolean;
}

/** The common read: a GET whose query is validated; 400 bad query, 404 unknown symbol, 503 store down. */
export function readRoute(
  path: string,
  summary: string,
  query: RouteDoc["query"],
  response: AnySchema,
): RouteDoc {
  return { method: "get", path, summary, query, response, errors: [400, 404, 503] };
}

// Transforms (e.g. "5" -> 5, ISO -> epoch ms) have no JSON Schema form; the input side is documented.
const jsonSchema = (schema: AnySchema) =>
  toJsonSchema(schema, { target: "openapi-3.0", errorMode: "ignore", typeMode: "input" });

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid request: every bad field is listed in `issues`",
  401: "Missing or wrong bearer token",
  404: "Unknown symbol",
  413: "Body too large",
  415: "Body is not JSON",
  503: "Store unreachable or query timed out; retry later",
};

// Long on purpose: one OpenAPI document assembled in reading order (paths, parameters, responses).
export function openApiDocument(
  routes: readonly RouteDoc[],
  errorSchema: AnySchema,
  options: { title: string; version: string; auth: boolean },
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {
      200: {
        description: "OK",
        content: {
          [route.responseType ?? "application/json"]: {
            schema: route.response ? jsonSchema(route.response) : {},
          },
        },
      },
    };
    const errors = [...(route.errors ?? []), ...(options.auth && !route.public ? [401] : [])];
    for (const status of errors) {
      responses[status] = {
        description: STATUS_TEXT[status] ?? "Error",
        content: { "application/json": { schema: jsonSchema(errorSchema) } },
      };
    }
    const parameters = Object.entries(route.query?.entries ?? {}).map(([name, schema]) => {
      const described = jsonSchema(schema) as { description?: string };
      return {
        name,
        in: "query",
        required: schema.type !== "optional",
        ...(described.description ? { description: described.description } : {}),
        schema: described,
      };
    });
    const operation = {
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchema(route.body) } },
            },
          }
        : {}),
      responses,
      ...(route.public || !options.auth ? { security: [] } : {}),
    };
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }
  return {
    openapi: "3.0.3",
    info: { title: options.title, version: options.version },
    paths,
    components: {
      schemas: { Error: jsonSchema(errorSchema) },
      ...(options.auth ? { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } } : {}),
    },
    ...(options.auth ? { security: [{ bearer: [] }] } : {}),
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
