import { notBuilt } from "../command.ts";

export const apiCommand = notBuilt("api", "Serve the HTTP API (Hono)", 6);
