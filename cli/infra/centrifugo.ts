/**
 * The Centrifugo binary for ingest's WebSocket tests and a local stream (ingest/centrifugo-server.ts):
 * built once with Go under SHAMDAN_HOME/tools; without Go it says so and the rest of `infra up` goes on.
 */
import { centrifugoBinary, ensureCentrifugo } from "@shamdan/ingest/centrifugo-server";
import type { InfraConfig } from "./infra-config.ts";

export async function ensureCentrifugoBinary(
  config: Pick<InfraConfig, "SHAMDAN_HOME">,
  report: (line: string) => void,
): Promise<void> {
  const binary = centrifugoBinary(config.SHAMDAN_HOME);
  if ((await Bun.file(binary).exists()) === false && Bun.which("go") === null) {
    report(
      "centrifugo: not built (needs Go on PATH: https://go.dev/dl/); the WebSocket stream tests build it when Go is there",
    );
    return;
  }
  const started = Date.now();
  const built = await ensureCentrifugo({
    home: config.SHAMDAN_HOME,
    log: (line) => report(`centrifugo: ${line}`),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  report(`centrifugo: binary ${built}${Date.now() - started > 1000 ? ` (built in ${seconds}s)` : ""}`);
}
