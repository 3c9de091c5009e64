// Load generator of the API bench, run under Node so it does not share the server's event loop:
// autocannon's programmatic API, every request for its own random window (a random symbol, and an
// end at a random whole minute in [endFromMs, endToMs]), or the same request every time when the
// two bounds are equal. Prints autocannon's result as JSON.
//
// node bench/load/random-windows.mjs '{"url":"http://127.0.0.1:3000","seconds":10,"connections":100,
//   "kind":"summarize","symbols":["BTCIRT"],"minutes":60,"endFromMs":0,"endToMs":0}'
import autocannon from "autocannon";

const spec = JSON.parse(process.argv[2]);
const MINUTE = 60_000;

function randomEnd() {
  const minutes = Math.floor((spec.endToMs - spec.endFromMs) / MINUTE);
  return spec.endFromMs + Math.floor(Math.random() * (minutes + 1)) * MINUTE;
}

function request() {
  const symbol = spec.symbols[Math.floor(Math.random() * spec.symbols.length)];
  const end = randomEnd();
  if (spec.kind === "summarize")
    return {
      method: "POST",
      path: "/api/summarize/",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ stock_symbol: symbol, period: spec.minutes, end: end / 1000 }),
    };
  const from = (end - spec.minutes * MINUTE) / 1000;
  return {
    method: "GET",
    path: `/api/candles?symbol=${symbol}&from=${from}&to=${end / 1000}&interval=${spec.interval}`,
  };
}

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  requests: [{ setupRequest: (req) => ({ ...req, ...request() }) }],
});
process.stdout.write(JSON.stringify(result));
