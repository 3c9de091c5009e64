/**
 * Builds the chart page with Bun's bundler, in memory: one minified script (the page and
 * lightweight-charts) named by its content hash, and the HTML with the stylesheet inlined. The API
 * serves the result (api/routes/page.ts); nothing is written to disk and no asset comes from a CDN.
 */
import { join } from "node:path";

const SRC = join(import.meta.dir, "src");

export interface PageAsset {
  body: Uint8Array;
  gzip: Uint8Array;
  type: string;
}

export interface PageBundle {
  html: string;
  htmlGzip: Uint8Array;
  /** Strong validator of the HTML (it names the script's hash, so it covers the script too). */
  etag: string;
  /** Served under `/assets/<name>`; names carry a content hash, so they can be cached for good. */
  assets: Map<string, PageAsset>;
  /** Bytes of the script and HTML, raw and gzipped. */
  sizes: { script: number; scriptGzip: number; html: number; htmlGzip: number };
  buildMs: number;
}

export async function buildPage(): Promise<PageBundle> {
  const started = performance.now();
  const result = await Bun.build({
    entrypoints: [join(SRC, "main.ts")],
    target: "browser",
    format: "esm",
    // lightweight-charts exports a development build (with its assertions) by default.
    conditions: ["production"],
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    minify: true,
    naming: "[name]-[hash].[ext]",
  });
  if (!result.success) {
    throw new Error(`page build failed: ${result.logs.map((log) => log.message).join("; ")}`);
  }
  const script = result.outputs.find((output) => output.kind === "entry-point");
  if (!script) throw new Error("page build produced no script");
  const name = script.path.replace(/^.*[\\/]/, "");
  const body = new Uint8Array(await script.arrayBuffer());
  const assets = new Map<string, PageAsset>([
    [name, { body, gzip: Bun.gzipSync(body), type: "text/javascript; charset=utf-8" }],
  ]);
  const [template, style] = await Promise.all([
    Bun.file(join(SRC, "index.html")).text(),
    Bun.file(join(SRC, "style.css")).text(),
  ]);
  const html = template
    .replace("/*STYLE*/", style.replace(/\n\s*/g, " "))
    .replace("/*SCRIPT*/", `/assets/${name}`);
  const htmlGzip = Bun.gzipSync(html);
  const asset = assets.get(name) as PageAsset;
  return {
    html,
    htmlGzip,
    etag: `"${Bun.hash(html).toString(36)}"`,
    assets,
    sizes: {
      script: asset.body.length,
      scriptGzip: asset.gzip.length,
      html: Buffer.byteLength(html),
      htmlGzip: htmlGzip.length,
    },
    buildMs: Math.round(performance.now() - started),
  };
}

if (import.meta.main) {
  const page = await buildPage();
  console.log(JSON.stringify({ sizes: page.sizes, buildMs: page.buildMs, assets: [...page.assets.keys()] }));
}
