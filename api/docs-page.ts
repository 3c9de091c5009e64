/**
 * `/docs`: a self-contained HTML page rendered from the OpenAPI document (no CDN assets: the
 * deployment may have no internet). Each endpoint shows its summary and parameter descriptions as
 * Markdown (Bun.markdown, raw HTML off), an example request and response derived from the same schemas
 * (examples.ts), its errors, and the full schemas folded away. The page links to the chart at `/`.
 */
import { type Example, examplesOf } from "./examples.ts";
import type { OpenApiDocument } from "./openapi.ts";

const esc = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Markdown to HTML with raw HTML rendered as text: descriptions can never inject markup. */
const markdown = (text: string) => Bun.markdown.html(text, { noHtmlBlocks: true, noHtmlSpans: true });
/** One-line Markdown without the paragraph around it (table cells). */
const inlineMarkdown = (text: string) =>
  markdown(text)
    .trim()
    .replace(/^<p>([\s\S]*)<\/p>$/, "$1");

interface Operation {
  summary?: string;
  parameters?: { name: string; required: boolean; description?: string; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

const schemaBlock = (title: string, schema: unknown) =>
  `<details><summary>${esc(title)}</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`;

const anchor = (method: string, path: string) =>
  `${method}-${path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/-$/, "");

/** What a parameter accepts, from its schema: the allowed values or the type, and the default. */
function accepts(schema: Record<string, unknown>): string {
  const inner = (schema.anyOf as Record<string, unknown>[] | undefined)?.[0] ?? schema;
  const values = (inner.enum ?? schema.enum) as unknown[] | undefined;
  const type = values ? values.map((x) => `\`${String(x)}\``).join(", ") : String(inner.type ?? "string");
  return schema.default !== undefined ? `${type} (default \`${String(schema.default)}\`)` : type;
}

function requestText(example: Example): string {
  if (example.body === undefined) return `${example.method} ${example.url}`;
  return `${example.method} ${example.url}\ncontent-type: application/json\n\n${JSON.stringify(example.body, null, 2)}`;
}

function responseText(example: Example): string {
  const body =
    typeof example.response === "string" ? example.response : JSON.stringify(example.response, null, 2);
  return `HTTP/1.1 ${example.status} OK\ncontent-type: ${example.contentType}\n\n${body}`;
}

// Long on purpose: one HTML page as a template, in the order it renders.
export function docsPage(spec: OpenApiDocument): string {
  const examples = new Map(examplesOf(spec).map((e) => [`${e.method} ${e.path}`, e]));
  const sections: string[] = [];
  const toc: string[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const op = raw as Operation;
      const id = anchor(method, path);
      toc.push(`<li><a href="#${id}"><span class="m">${method.toUpperCase()}</span> ${esc(path)}</a></li>`);
      const params = (op.parameters ?? [])
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code>${p.required ? " <em>required</em>" : ""}</td>` +
            `<td>${inlineMarkdown(accepts(p.schema))}</td><td>${inlineMarkdown(p.description ?? "")}</td></tr>`,
        )
        .join("");
      const body = op.requestBody?.content["application/json"];
      const example = examples.get(`${method.toUpperCase()} ${path}`);
      const statuses = Object.entries(op.responses)
        .map(([status, r]) => `<li><code>${esc(status)}</code> ${inlineMarkdown(r.description)}</li>`)
        .join("");
      const schemas = [
        body ? schemaBlock("Request body schema", body.schema) : "",
        ...Object.entries(op.responses).map(([status, r]) => {
          const content = r.content ? Object.entries(r.content)[0] : undefined;
          return content && Object.keys(content[1].schema as object).length > 0
            ? schemaBlock(`${status} response schema (${content[0]})`, content[1].schema)
            : "";
        }),
      ].join("");
      sections.push(
        `<section id="${id}"><h2><span class="m">${method.toUpperCase()}</span> <code>${esc(path)}</code></h2>` +
          markdown(op.summary ?? "") +
          (params
            ? `<h3>Query parameters</h3><table><thead><tr><th>name</th><th>accepts</th><th>meaning</th></tr></thead><tbody>${params}</tbody></table>`
            : "") +
          (example
            ? `<div class="ex"><div><h3>Example request</h3><pre>${esc(requestText(example))}</pre></div>` +
              `<div><h3>Example response</h3><pre>${esc(responseText(example))}</pre></div></div>` +
              (example.error
                ? `<details><summary>Example error (${example.error.status})</summary><pre>${esc(JSON.stringify(example.error.body, null, 2))}</pre></details>`
                : "")
            : "") +
          `<h3>Responses</h3><ul>${statuses}</ul>${schemas}</section>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${esc(spec.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1f2430}
section{border-top:1px solid #ddd;padding:.5rem 0 1rem}.m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px;font-size:.85em}
pre{background:#f6f7f9;padding:.6rem;overflow:auto;font-size:.85rem;margin:.3rem 0}
table{border-collapse:collapse;font-size:.9rem}td,th{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left;vertical-align:top}
.ex{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:.8rem}.ex pre{max-height:24rem}
h3{font-size:.95rem;margin:.8rem 0 .2rem}nav ul{columns:2;padding-left:1.2rem}nav a{text-decoration:none}
code{background:#f0f1f4;padding:0 .2rem;border-radius:3px}pre code{background:none}</style></head><body>
<h1>${esc(spec.info.title)} <small>${esc(spec.info.version)}</small></h1>
<p><a href="/">Live chart page</a> · machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(spec.openapi)}).
Examples are generated from the same schemas that validate requests; times are UTC, prices as Nobitex quotes them.</p>
<nav><ul>${toc.join("")}</ul></nav>
${sections.join("\n")}
</body></html>`;
}
