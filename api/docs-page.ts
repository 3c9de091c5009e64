/**
 * `/docs`: a self-contained HTML page rendered from the OpenAPI document (no CDN assets: the
 * deployment may have no internet). Lists each endpoint, its parameters, body and response schemas.
 */
import type { OpenApiDocument } from "./openapi.ts";

const esc = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  parameters?: { name: string; required: boolean; description?: string; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

const schemaBlock = (title: string, schema: unknown) =>
  `<details><summary>${esc(title)}</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`;

export function docsPage(spec: OpenApiDocument): string {
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const op = raw as Operation;
      const params = (op.parameters ?? [])
        .map(
          (p) =>
            `<li><code>${esc(p.name)}</code>${p.required ? " (required)" : ""} ${esc(p.description ?? "")}</li>`,
        )
        .join("");
      const body = op.requestBody?.content["application/json"];
      const responses = Object.entries(op.responses)
        .map(([status, r]) => {
          const content = r.content ? Object.entries(r.content)[0] : undefined;
          return content
            ? schemaBlock(`${status} ${r.description} (${content[0]})`, content[1].schema)
            : `<p>${esc(status)} ${esc(r.description)}</p>`;
        })
        .join("");
      sections.push(
        `<section><h2><span class="m">${method.toUpperCase()}</span> <code>${esc(path)}</code></h2>` +
          `<p>${esc(op.summary ?? "")}</p>` +
          (params ? `<h3>Query parameters</h3><ul>${params}</ul>` : "") +
          (body ? schemaBlock("Request body (application/json)", body.schema) : "") +
          `<h3>Responses</h3>${responses}</section>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(spec.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px}
pre{background:#f6f6f6;padding:.5rem;overflow:auto}</style></head><body>
<h1>${esc(spec.info.title)} <small>${esc(spec.info.version)}</small></h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(spec.openapi)}).</p>
${sections.join("\n")}
</body></html>`;
}
