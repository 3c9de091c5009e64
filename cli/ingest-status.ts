/**
 * `bun start`'s view of ingest for a person at the terminal and for `/readyz`: when every symbol's
 * polls fail (poll-health.ts), one plain line says what is wrong and what to do, and one more when the
 * polls work again; the JSON logs stay as they are for machines. Offline, or outside Iran, this is the
 * first thing a newcomer meets, so it names the error and the two ways out.
 */
import type { ComponentReadiness } from "@shamdan/api/routes/health";
import type { IngestService } from "@shamdan/ingest/ingest-service";
import type { Config } from "@shamdan/shared/core/config";

type Ingest = Pick<IngestService, "poller">;

/** Faults that mean the server was not reached at all (DNS, refused, unreachable, no answer in time). */
const UNREACHABLE = new Set(["network", "timeout"]);

/** Why ingest is not ready, in one sentence; undefined while it is. */
export function ingestProblem(
  ingest: Ingest | undefined,
  config: Pick<Config, "SYMBOLS" | "NOBITEX_BASE_URL">,
) {
  if (!ingest) return "ingest is starting: the first poll (the backfill) is still running";
  if (ingest.poller.ready) return undefined;
  const states = config.SYMBOLS.map((symbol) => ingest.poller.symbolState(symbol));
  const first = states.find((s) => s?.lastError);
  // "NobitexError: request failed: TypeError: ECONNREFUSED: ..." reads better without the class names.
  const error = (first?.lastError ?? "no answer yet").replace(/\b[A-Za-z]*Error: /g, "");
  const unreachable = states.every((s) => s?.lastErrorKind && UNREACHABLE.has(s.lastErrorKind));
  const what = unreachable ? "is unreachable from this machine" : "fails for every symbol";
  return (
    `Nobitex (${config.NOBITEX_BASE_URL}) ${what} (${error}); retrying in the background. ` +
    `No data is shown as live meanwhile: run "bun start --demo" for recorded candles, or set NOBITEX_BASE_URL ` +
    "to a server this machine can reach (Nobitex expects Iranian IP addresses)."
  );
}

export function ingestReadiness(
  ingest: Ingest | undefined,
  config: Pick<Config, "SYMBOLS" | "NOBITEX_BASE_URL">,
): ComponentReadiness {
  const message = ingestProblem(ingest, config);
  if (message === undefined) return { ready: true };
  return {
    ready: false,
    message,
    detail: ingest && Object.fromEntries(config.SYMBOLS.map((s) => [s, ingest.poller.symbolState(s)])),
  };
}

/**
 * Checks ingest every `everyMs` and writes one line when it stops being ready and one when it is
 * ready again (never one per poll). Returns the function that stops watching.
 */
export function reportIngestChanges(
  ingest: Ingest,
  config: Pick<Config, "SYMBOLS" | "NOBITEX_BASE_URL">,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  everyMs = 1000,
): () => void {
  let failing = false;
  const check = () => {
    const problem = ingestProblem(ingest, config);
    if (problem !== undefined && !failing) write(`shamdan: ${problem}`);
    else if (problem === undefined && failing)
      write(`shamdan: Nobitex (${config.NOBITEX_BASE_URL}) answers again; ingest is ready.`);
    failing = problem !== undefined;
  };
  check();
  const timer = setInterval(check, everyMs);
  return () => clearInterval(timer);
}
