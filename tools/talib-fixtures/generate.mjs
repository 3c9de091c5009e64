// Generates TA-Lib reference values for indicators/fixtures with the npm `talib` binding
// (the real TA-Lib C library compiled by node-gyp). Runs under Node: the addon does not load under Bun.
//   cd tools/talib-fixtures && npm install && node generate.mjs [path/to/XRPETH.udf.json]
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const talib = require("talib");
const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "../../indicators/fixtures");
const udfPath = process.argv[2] ?? join(here, "../../data/candles/XRPETH.udf.json");
const XRP_COUNT = 2000;

// Input 1: TA-Lib's own regression closes (already extracted to JSON, see fixtures/README.md).
const regtest = JSON.parse(readFileSync(join(fixtures, "talib-regtest-close.json"), "utf8"));
// Input 2: the first 2,000 real 1-minute closes of XRP/ETH (tiny prices ~1e-3), also used by the pandas fixtures.
const udf = JSON.parse(readFileSync(udfPath, "utf8"));
// Kept as a UDF response (the shape `shamdan compute` reads), so tests can also run the CLI on it.
const xrp = { s: "ok" };
for (const key of ["t", "o", "h", "l", "c", "v"]) xrp[key] = udf[key].slice(0, XRP_COUNT);
writeFileSync(join(fixtures, "xrpeth-2000.udf.json"), `${JSON.stringify(xrp)}\n`);

/** Runs one TA-Lib function and aligns its output to the input (null before begIndex). */
function run(name, close, period) {
  const r = talib.execute({
    name,
    startIdx: 0,
    endIdx: close.length - 1,
    inReal: close,
    optInTimePeriod: period,
  });
  if (r.error) throw new Error(`${name}(${period}): ${r.error}`);
  const out = new Array(close.length).fill(null);
  r.result.outReal.forEach((value, i) => {
    out[r.begIndex + i] = value;
  });
  return out;
}

const periodSets = [
  { sma: 5, ema: 10, rsi: 10 },
  { sma: 2, ema: 2, rsi: 2 },
  { sma: 30, ema: 14, rsi: 14 },
];
const series = [
  { name: "talib-regtest", close: regtest.close },
  { name: "xrpeth-2000", close: xrp.c },
];
const cases = [];
for (const s of series) {
  for (const p of periodSets) {
    cases.push({
      input: s.name,
      periods: p,
      sma: run("SMA", s.close, p.sma),
      ema: run("EMA", s.close, p.ema),
      rsi: run("RSI", s.close, p.rsi),
    });
  }
}
const out = {
  generator: `npm talib ${talib.version} (TA-Lib C library) under Node ${process.version}, tools/talib-fixtures/generate.mjs`,
  cases,
};
writeFileSync(join(fixtures, "talib-reference.json"), `${JSON.stringify(out)}\n`);
console.log(`wrote ${cases.length} cases to ${fixtures}/talib-reference.json`);
