/**
 * Probes and metrics, always open (no bearer token): `/healthz` says the process serves;
 * `/readyz` says the store answers (503 otherwise, so a load balancer stops routing here until the
 * store is back; one ping a second at most, shared by all probes); `/metrics` is the Prometheus registry.
 */
import { describeError } from "@shamdan/shared/core/errors";
import { Hono } from "hono";
import type { Registry } from "prom-client";
import type { ApiContext } from "../api-context.ts";
import type { RouteDoc } from "../openapi.ts";

/** A part of the process that is not ready says why (`message`, shown by the chart page) and details. */
export type ComponentReadiness = { ready: true } | { ready: false; message: string; detail?: unknown };
export type ReadinessComponents = Record<string, () => ComponentReadiness>;

export function healthRoutes(api: ApiContext, registry: Registry, components: ReadinessComponents = {}) {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await api.ready();
      const failing = Object.entries(components)
        .map(([name, check]) => [name, check()] as const)
        .filter((entry): entry is [string, ComponentReadiness & { ready: false }] => !entry[1].ready);
      if (failing.length > 0)
        return c.json(
          {
            status: "unavailable",
            error: `${failing.map(([name]) => name).join("_")}_not_ready`,
            message: failing.map(([, r]) => r.message).join("; "),
            detail: Object.fromEntries(failing.map(([name, { detail }]) => [name, detail ?? null])),
          },
          503,
        );
      return c.json({ status: "ready" });
    } catch (error) {
      const cause = error instanceof Error && error.cause ? error.cause : error;
      return c.json(
        { status: "unavailable", error: "store_unavailable", message: describeError(cause) },
        503,
      );
    }
  });
  app.get("/metrics", async (c) => {
    c.header("content-type", registry.contentType);
    return c.body(await registry.metrics());
  });
  const docs: RouteDoc[] = [
    { method: "get", path: "/healthz", summary: "Liveness: the process serves", public: true },
    {
      method: "get",
      path: "/readyz",
      summary:
        "Readiness: the store answers (and, in `bun start`, ingest's polls work); 503 says why in `message`",
      errors: [503],
      public: true,
    },
    {
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      responseType: "text/plain",
      public: true,
    },
  ];
  return { app, docs };
}
