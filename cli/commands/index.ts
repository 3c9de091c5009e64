/** Every command of the CLI, in the order `--help` lists them. Each lives in its own file. */
import type { Command } from "../command.ts";
import { apiCommand } from "./api.ts";
import { backtestCommand } from "./backtest.ts";
import { benchCommand } from "./bench.ts";
import { benchTableCommand } from "./bench-table.ts";
import { chaosCommand } from "./chaos.ts";
import { computeCommand } from "./compute.ts";
import { grafanaCommand } from "./grafana.ts";
import { infra } from "./infra.ts";
import { ingestCommand } from "./ingest.ts";
import { nobitexFakeCommand } from "./nobitex-fake.ts";
import { notifyCommand } from "./notify.ts";
import { processorCommand } from "./processor.ts";
import { replayCommand } from "./replay.ts";
import { rowsCommand } from "./rows.ts";
import { schemasCommand } from "./schemas.ts";
import { sinkCommand } from "./sink.ts";
import { startCommand } from "./start.ts";
import { testCiCommand } from "./test-ci.ts";

export const commands: Command[] = [
  startCommand,
  ingestCommand,
  processorCommand,
  sinkCommand,
  apiCommand,
  notifyCommand,
  computeCommand,
  backtestCommand,
  replayCommand,
  rowsCommand,
  nobitexFakeCommand,
  benchCommand,
  benchTableCommand,
  grafanaCommand,
  schemasCommand,
  infra,
  testCiCommand,
  chaosCommand,
];
