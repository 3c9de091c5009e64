/**
 * The live chart page: symbol and interval pickers, candlesticks with SMA/EMA, volume, BUY/SELL
 * markers, RSI and gain/loss panes, the latest signal per symbol, and live updates from the SSE stream.
 * Everything it reads comes from this API (`/api/*`, `/readyz`).
 */
import {
  type CandlestickData,
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  type HistogramData,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  LineSeries,
  LineStyle,
  type SeriesMarker,
  TickMarkType,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import {
  type Calendar,
  formatPrice,
  formatTime,
  fromChartTime,
  type PriceUnit,
  stats,
  type TimeSettings,
  toChartTime,
  unitLabel,
} from "./format.ts";
import {
  type ApiCandle,
  applyRow,
  type Bar,
  gainLoss,
  INTERVALS,
  type IndicatorNames,
  type Interval,
  indicatorNames,
  type Marker,
  markersOf,
  mergeTail,
  type ScorecardAnswer,
  type Signal,
  type StreamRow,
  type SymbolInfo,
  scorecardRows,
  toBar,
  windowMs,
} from "./model.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const COLORS = {
  up: "#26a269",
  down: "#e01b24",
  sma: "#f5a623",
  ema: "#3584e4",
  rsi: "#9141ac",
  grid: "#eef0f3",
  text: "#3d4451",
};
/** No candle for this long means ingest is not delivering (a 1-minute market gets one a minute). */
const STALE_AFTER_MS = 5 * 60_000;

interface State {
  symbols: SymbolInfo[];
  latest: Map<string, StreamRow>;
  symbol: string;
  interval: Interval;
  time: TimeSettings;
  unit: PriceUnit;
  bars: Bar[];
  names: IndicatorNames;
  markers: Marker[];
  /** Bumped on every symbol/interval switch: late answers of an earlier load are dropped. */
  load: number;
  streamOpen: boolean;
  streamError: string | null;
  readiness: string | null;
  liveRows: number;
  firstChartMs: number | null;
  loaded: boolean;
  errors: string[];
}

const params = new URLSearchParams(location.search);
const stored = (key: string) => localStorage.getItem(`shamdan.${key}`);
const state: State = {
  symbols: [],
  latest: new Map(),
  symbol: params.get("symbol")?.toUpperCase() ?? "",
  interval: Object.hasOwn(INTERVALS, params.get("interval") ?? "")
    ? (params.get("interval") as Interval)
    : "1m",
  time: {
    timeZone: stored("tz") === "UTC" ? "UTC" : "Asia/Tehran",
    calendar: stored("calendar") === "persian" ? "persian" : "gregory",
  },
  unit: stored("unit") === "rial" ? "rial" : "toman",
  bars: [],
  names: { sma: "SMA", ema: "EMA", rsi: "RSI" },
  markers: [],
  load: 0,
  streamOpen: false,
  streamError: null,
  readiness: null,
  liveRows: 0,
  firstChartMs: null,
  loaded: false,
  errors: [],
};

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { message?: string } | null;
    throw new Error(`${path}: ${response.status} ${body?.message ?? response.statusText}`);
  }
  return (await response.json()) as T;
}

// ---- chart -------------------------------------------------------------------------------------

const chartEl = $<HTMLDivElement>("chart");
const chart: IChartApi = createChart(chartEl, {
  autoSize: true,
  layout: {
    background: { color: "#ffffff" },
    textColor: COLORS.text,
    fontFamily: "system-ui, sans-serif",
    panes: { separatorColor: "#d0d4da", enableResize: true },
  },
  grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
  rightPriceScale: { borderColor: "#d0d4da" },
  timeScale: { borderColor: "#d0d4da", timeVisible: true, secondsVisible: false, rightOffset: 3 },
  crosshair: { mode: 0 },
  localization: {
    timeFormatter: (time: Time) => formatTime(fromChartTime(time as number, state.time.timeZone), state.time),
  },
});

function tickFormatter(time: Time, type: TickMarkType): string {
  const utc = fromChartTime(time as number, state.time.timeZone);
  switch (type) {
    case TickMarkType.Year:
      return formatTime(utc, state.time, "year");
    case TickMarkType.Month:
      return formatTime(utc, state.time, "month");
    case TickMarkType.DayOfMonth:
      return formatTime(utc, state.time, "day");
    default:
      return formatTime(utc, state.time, "time");
  }
}
chart.applyOptions({ timeScale: { tickMarkFormatter: tickFormatter } });

/** Prices are stored as served (IRT candles in toman); the scale shows them converted (rial: ten per toman). */
const priceFormat = () => ({
  type: "custom" as const,
  minMove: 1e-8,
  formatter: (price: number) => formatPrice(price, state.symbol, state.unit),
});

const candles = chart.addSeries(CandlestickSeries, {
  upColor: COLORS.up,
  downColor: COLORS.down,
  borderVisible: false,
  wickUpColor: COLORS.up,
  wickDownColor: COLORS.down,
  priceFormat: priceFormat(),
});
const sma = chart.addSeries(LineSeries, {
  color: COLORS.sma,
  lineWidth: 2,
  priceLineVisible: false,
  lastValueVisible: false,
  crosshairMarkerVisible: false,
  priceFormat: priceFormat(),
});
const ema = chart.addSeries(LineSeries, {
  color: COLORS.ema,
  lineWidth: 2,
  priceLineVisible: false,
  lastValueVisible: false,
  crosshairMarkerVisible: false,
  priceFormat: priceFormat(),
});
const volume = chart.addSeries(HistogramSeries, {
  priceScaleId: "volume",
  priceFormat: { type: "volume" },
  priceLineVisible: false,
  lastValueVisible: false,
});
chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
const rsi = chart.addSeries(
  LineSeries,
  {
    color: COLORS.rsi,
    lineWidth: 2,
    priceLineVisible: false,
    priceFormat: { type: "price", precision: 0, minMove: 1 },
    autoscaleInfoProvider: () => rsiRange,
  },
  1,
);
const rsiRange = { priceRange: { minValue: 0, maxValue: 100 } };
for (const level of [30, 70])
  rsi.createPriceLine({
    price: level,
    color: level === 70 ? COLORS.down : COLORS.up,
    lineStyle: LineStyle.Dashed,
    lineWidth: 1,
    axisLabelVisible: true,
    title: String(level),
  });
const gains = chart.addSeries(
  HistogramSeries,
  { priceLineVisible: false, lastValueVisible: false, priceFormat: priceFormat() },
  2,
);
const markers: ISeriesMarkersPluginApi<Time> = createSeriesMarkers(candles, []);
const [mainPane, rsiPane, gainPane] = chart.panes();
mainPane?.setStretchFactor(3);
rsiPane?.setStretchFactor(1);
gainPane?.setStretchFactor(0.8);

const t = (bar: Bar) => toChartTime(bar.openTime, state.time.timeZone) as UTCTimestamp;
const up = (bar: Bar) => bar.close >= bar.open;

function candlePoint(bar: Bar): CandlestickData<Time> {
  return { time: t(bar), open: bar.open, high: bar.high, low: bar.low, close: bar.close };
}
function linePoint(bar: Bar, value: number | null): LineData<Time> | { time: Time } {
  return value === null ? { time: t(bar) } : { time: t(bar), value };
}
function volumePoint(bar: Bar): HistogramData<Time> {
  return { time: t(bar), value: bar.volume, color: up(bar) ? "#26a26955" : "#e01b2455" };
}
function gainPoint(i: number): HistogramData<Time> | { time: Time } {
  const bar = state.bars[i] as Bar;
  const value = gainLoss(state.bars, i);
  return value === null
    ? { time: t(bar) }
    : { time: t(bar), value, color: value >= 0 ? COLORS.up : COLORS.down };
}

function drawMarkers() {
  state.markers = markersOf(state.bars);
  // Arrows only (the legend names them), except the newest change: labels on every one crowd the candles.
  const list: SeriesMarker<Time>[] = state.markers.map((m, i) => ({
    time: toChartTime(m.openTime, state.time.timeZone) as UTCTimestamp,
    position: m.signal === "BUY" ? "belowBar" : "aboveBar",
    shape: m.signal === "BUY" ? "arrowUp" : "arrowDown",
    color: m.signal === "BUY" ? COLORS.up : COLORS.down,
    ...(i === state.markers.length - 1 ? { text: m.signal } : {}),
  }));
  markers.setMarkers(list);
}

function drawAll() {
  const bars = state.bars;
  candles.setData(bars.map(candlePoint));
  sma.setData(bars.map((b) => linePoint(b, b.sma)));
  ema.setData(bars.map((b) => linePoint(b, b.ema)));
  rsi.setData(bars.map((b) => linePoint(b, b.rsi)));
  volume.setData(bars.map(volumePoint));
  gains.setData(bars.map((_, i) => gainPoint(i)));
  drawMarkers();
}

/** Draws the last bar (and the one before, whose gain may change) without redrawing the series. */
function drawLast() {
  const i = state.bars.length - 1;
  const bar = state.bars[i];
  if (!bar) return;
  candles.update(candlePoint(bar));
  sma.update(linePoint(bar, bar.sma));
  ema.update(linePoint(bar, bar.ema));
  rsi.update(linePoint(bar, bar.rsi));
  volume.update(volumePoint(bar));
  gains.update(gainPoint(i));
  drawMarkers();
}

// ---- summary over the visible range -----------------------------------------------------------

function visibleBars(): Bar[] {
  const range = chart.timeScale().getVisibleRange();
  if (!range) return state.bars;
  const from = range.from as number;
  const to = range.to as number;
  return state.bars.filter((b) => {
    const time = t(b);
    return time >= from && time <= to;
  });
}

function renderSummary() {
  const bar = state.bars.at(-1);
  const unit = unitLabel(state.symbol, state.unit);
  $("q-symbol").textContent = state.symbol;
  $("q-price").textContent = bar ? `${formatPrice(bar.close, state.symbol, state.unit)} ${unit}` : "–";
  $("q-time").textContent = bar ? formatTime(bar.openTime, state.time) : "";
  // Persian dates read right to left; isolating them keeps the digits in order.
  $("q-time").dir = state.time.calendar === "persian" ? "rtl" : "ltr";
  const badge = $("q-signal");
  badge.textContent = bar?.signal ?? "";
  badge.className = `badge ${bar?.signal ?? ""}`;
  const visible = visibleBars();
  const s = stats(visible.map((b) => b.close));
  const fmt = (v: number) => formatPrice(v, state.symbol, state.unit);
  $("s-high").textContent = s ? fmt(s.highest) : "–";
  $("s-avg").textContent = s ? fmt(s.avg) : "–";
  $("s-low").textContent = s ? fmt(s.lowest) : "–";
  $("s-count").textContent = `${visible.length} ${state.interval} candles`;
  $("legend-sma").textContent = state.names.sma.replace("_", " ");
  $("legend-ema").textContent = state.names.ema.replace("_", " ");
  $("legend-rsi").textContent = `${state.names.rsi.replace("_", " ")} (30/70)`;
}
chart.timeScale().subscribeVisibleTimeRangeChange(() => renderSummary());

// ---- symbols, table --------------------------------------------------------------------------

const symbolSelect = $<HTMLSelectElement>("symbol");

function lastPriceOf(symbol: string): number | undefined {
  if (symbol === state.symbol && state.interval === "1m" && state.bars.length > 0)
    return state.bars.at(-1)?.close;
  return state.latest.get(symbol)?.close;
}

function signalOf(symbol: string): Signal | null {
  return (
    state.latest.get(symbol)?.signal ?? state.symbols.find((s) => s.symbol === symbol)?.latest_signal ?? null
  );
}

function renderSymbols() {
  const options = state.symbols.map((info) => {
    const price = lastPriceOf(info.symbol);
    const label = [
      info.symbol,
      signalOf(info.symbol) ?? "no data",
      price === undefined
        ? ""
        : `${formatPrice(price, info.symbol, state.unit)} ${unitLabel(info.symbol, state.unit)}`,
    ]
      .filter(Boolean)
      .join(" · ");
    return { value: info.symbol, label };
  });
  // Rewriting option labels in place keeps the select's focus and open state.
  if (symbolSelect.options.length !== options.length) {
    symbolSelect.replaceChildren(...options.map((o) => new Option(o.label, o.value)));
  } else {
    options.forEach((o, i) => {
      const option = symbolSelect.options[i] as HTMLOptionElement;
      option.value = o.value;
      if (option.text !== o.label) option.text = o.label;
    });
  }
  symbolSelect.value = state.symbol;
}

/** Today's times as hours and minutes only; older ones with their date. */
function shortTime(utcMs: number): string {
  const day = (ms: number) => formatTime(ms, state.time, "day");
  return day(utcMs) === day(Date.now())
    ? formatTime(utcMs, state.time, "time")
    : formatTime(utcMs, state.time);
}

function renderTable() {
  const body = $<HTMLTableSectionElement>("signals-body");
  const rows = state.symbols.map((info) => {
    const latest = state.latest.get(info.symbol);
    const tr = document.createElement("tr");
    if (info.symbol === state.symbol) tr.className = "current";
    const cell = (text: string, className = "") => {
      const td = document.createElement("td");
      td.textContent = text;
      if (className) td.className = className;
      return td;
    };
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = info.symbol;
    button.setAttribute("aria-label", `Show ${info.symbol}`);
    button.addEventListener("click", () => selectSymbol(info.symbol));
    const first = document.createElement("th");
    first.scope = "row";
    first.append(button);
    const timeCell = (text: string) => {
      const td = cell(text, "time");
      td.dir = state.time.calendar === "persian" ? "rtl" : "ltr";
      return td;
    };
    const signal = latest?.signal ?? info.latest_signal;
    const rsiValue = latest ? latest[state.names.rsi] : null;
    const badge = document.createElement("span");
    badge.className = `badge ${signal ?? ""}`;
    badge.textContent = signal ?? "–";
    const signalCell = cell("");
    signalCell.append(badge);
    tr.append(
      first,
      signalCell,
      // Each row names its own unit: the table mixes IRT markets (toman or rial) with others.
      cell(
        latest
          ? `${formatPrice(latest.close, info.symbol, state.unit)} ${unitLabel(info.symbol, state.unit)}`
          : "–",
        "num",
      ),
      cell(typeof rsiValue === "number" ? rsiValue.toFixed(1) : "–", "num"),
      timeCell(latest ? shortTime(latest.open_time) : "–"),
    );
    return tr;
  });
  body.replaceChildren(...rows);
  $("col-rsi").textContent = state.names.rsi.replace("_", " ");
}

// ---- scorecard -------------------------------------------------------------------------------

/** The selected symbol's scorecard over the last 24 hours (the API's default window). */
async function loadScorecard() {
  const symbol = state.symbol;
  if (!symbol) return;
  $("sc-symbol").textContent = symbol;
  const body = $<HTMLTableSectionElement>("scorecard-body");
  const row = (cells: string[]) => {
    const tr = document.createElement("tr");
    for (const [i, text] of cells.entries()) {
      const td = document.createElement(i === 0 ? "th" : "td");
      td.textContent = text;
      if (i > 0) td.className = "num";
      tr.append(td);
    }
    return tr;
  };
  try {
    const answer = await getJson<ScorecardAnswer>(`/api/scorecard?symbol=${encodeURIComponent(symbol)}`);
    if (symbol !== state.symbol) return;
    body.replaceChildren(...scorecardRows(answer, symbol).map(row));
  } catch (error) {
    // Shown in place: the chart does not depend on it.
    if (symbol === state.symbol) body.replaceChildren(row([`unavailable: ${(error as Error).message}`]));
  }
}

// ---- loading ---------------------------------------------------------------------------------

async function fetchBars(symbol: string, interval: Interval, fromMs: number): Promise<Bar[]> {
  const to = new Date(Date.now() + 2 * INTERVALS[interval] * 1000).toISOString();
  const query = new URLSearchParams({
    symbol,
    interval,
    from: new Date(fromMs).toISOString(),
    to,
    limit: "10000",
  });
  const answer = await getJson<{ candles: ApiCandle[] }>(`/api/candles?${query}`);
  const first = answer.candles[0];
  if (first) state.names = indicatorNames(first);
  return answer.candles.map((c) => toBar(c, state.names));
}

async function loadChart() {
  const load = ++state.load;
  const { symbol, interval } = state;
  // Live rows wait for the new bars: applied to the old ones they would draw on the wrong chart.
  state.loaded = false;
  setBusy(true);
  try {
    const bars = await fetchBars(symbol, interval, Date.now() - windowMs(interval));
    if (load !== state.load) return;
    state.bars = bars;
    candles.applyOptions({ priceFormat: priceFormat() });
    drawAll();
    chart.timeScale().fitContent();
    // Show the newest bars at about 8 px each: candles stay legible; the rest is a scroll or zoom away.
    const shown = Math.max(40, Math.round(chartEl.clientWidth / 8));
    if (bars.length > shown)
      chart.timeScale().setVisibleLogicalRange({ from: bars.length - shown, to: bars.length + 2 });
    state.loaded = true;
    setError("load", null);
    if (state.firstChartMs === null) {
      requestAnimationFrame(() => {
        state.firstChartMs = Math.round(performance.now());
      });
    }
  } catch (error) {
    if (load === state.load)
      setError("load", `Could not load ${symbol} ${interval}: ${(error as Error).message}`);
  } finally {
    if (load === state.load) setBusy(false);
    renderSummary();
    renderSymbols();
    renderTable();
  }
}

function setBusy(busy: boolean) {
  chartEl.setAttribute("aria-busy", String(busy));
}

let tailTimer: ReturnType<typeof setTimeout> | undefined;
/** Coarse bars are aggregated by the server; a live row refreshes the last couple of them. */
function refreshTail() {
  if (tailTimer) return;
  tailTimer = setTimeout(async () => {
    tailTimer = undefined;
    const load = state.load;
    const last = state.bars.at(-1);
    if (!last) return;
    try {
      const tail = await fetchBars(state.symbol, state.interval, last.openTime);
      if (load !== state.load) return;
      const before = state.bars.length;
      mergeTail(state.bars, tail);
      if (state.bars.length === before) drawLast();
      else drawAll();
      renderSummary();
    } catch {
      // The next live row tries again; the stream banner covers a lasting outage.
    }
  }, 500);
}

// ---- live stream -----------------------------------------------------------------------------

let source: EventSource | undefined;

function onRow(row: StreamRow) {
  state.liveRows++;
  const previous = state.latest.get(row.symbol);
  if (!previous || row.open_time >= previous.open_time) state.latest.set(row.symbol, row);
  if (row.symbol === state.symbol && state.loaded) {
    if (state.interval === "1m") {
      const change = applyRow(state.bars, toBar(row, state.names));
      if (change === "corrected") drawAll();
      else if (change !== "ignored") drawLast();
      if (change !== "ignored") renderSummary();
    } else {
      refreshTail();
    }
  }
  scheduleListRender();
}

let listTimer: ReturnType<typeof setTimeout> | undefined;
/** Rows of every symbol arrive in bursts; the picker and table are redrawn once per burst. */
function scheduleListRender() {
  if (listTimer) return;
  listTimer = setTimeout(() => {
    listTimer = undefined;
    renderSymbols();
    renderTable();
  }, 250);
}

/** Retry delay after the server refused the stream (EventSource gives up on a non-200 answer). */
let retryMs = 2000;
let interrupted = false;

function connect() {
  source?.close();
  const current = new EventSource("/api/signals/stream");
  source = current;
  current.addEventListener("open", () => {
    state.streamOpen = true;
    state.streamError = null;
    retryMs = 2000;
    renderBanner();
    // Whatever cut the stream may have been reported by /readyz too: ask again rather than wait.
    void checkReadiness();
    if (interrupted) void resync();
    interrupted = false;
  });
  current.addEventListener("row", (event) => onRow(JSON.parse((event as MessageEvent).data) as StreamRow));
  current.addEventListener("error", (event) => {
    if (current !== source) return;
    state.streamOpen = false;
    interrupted = true;
    // The server's own `event: error` says why; a dropped connection says nothing.
    const data = (event as MessageEvent).data;
    let reason = "the connection to the server dropped";
    if (typeof data === "string") {
      try {
        reason = (JSON.parse(data) as { message?: string }).message ?? reason;
      } catch {}
    }
    if (current.readyState === EventSource.CLOSED) {
      // Refused (e.g. 503 while the store is down, or too many streams): try again with a backoff.
      reason = "the server refused the live stream";
      state.streamError = `Live updates interrupted: ${reason}; retrying in ${Math.round(retryMs / 1000)} s…`;
      setTimeout(() => {
        if (current === source) connect();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, 30_000);
    } else {
      state.streamError = `Live updates interrupted: ${reason}; reconnecting…`;
    }
    renderBanner();
    void checkReadiness();
  });
}

/** After an interruption: rows sent while the stream was away are read back from the API. */
async function resync() {
  const load = state.load;
  const last = state.bars.at(-1);
  try {
    const [tail, latest] = await Promise.all([
      last ? fetchBars(state.symbol, state.interval, last.openTime) : Promise.resolve([]),
      getJson<{ signals: StreamRow[] }>("/api/signals/latest"),
    ]);
    for (const row of latest.signals) {
      const known = state.latest.get(row.symbol);
      if (!known || row.open_time >= known.open_time) state.latest.set(row.symbol, row);
    }
    if (load === state.load && tail.length > 0) {
      mergeTail(state.bars, tail);
      drawAll();
    }
    renderSummary();
    renderSymbols();
    renderTable();
  } catch {
    // The stream is back; the next rows bring the chart forward anyway.
  }
}

// ---- banner: stream, readiness, stale data --------------------------------------------------

async function checkReadiness() {
  try {
    const response = await fetch("/readyz", { headers: { accept: "application/json" } });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    state.readiness = response.ok && body.status === "ready" ? null : readinessReason(response.status, body);
  } catch (error) {
    state.readiness = `The API does not answer (${(error as Error).message}).`;
  }
  renderBanner();
}

/** `/readyz` says why it is not ready in `message`, or per component (e.g. `ingest: {message}`). */
function readinessReason(status: number, body: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof body.message === "string") parts.push(body.message);
  for (const [key, value] of Object.entries(body)) {
    if (value && typeof value === "object" && "message" in value && typeof value.message === "string")
      parts.push(`${key}: ${value.message}`);
  }
  const status_ = typeof body.status === "string" ? body.status : `HTTP ${status}`;
  return `Not ready (${status_})${parts.length ? `: ${parts.join("; ")}` : ""}.`;
}

function staleness(): string | null {
  const newest = Math.max(0, ...[...state.latest.values()].map((r) => r.open_time));
  if (!state.loaded || newest === 0) return null;
  const age = Date.now() - newest;
  if (age < STALE_AFTER_MS) return null;
  return `No new candles since ${formatTime(newest, state.time)} (${Math.round(age / 60_000)} min ago): ingest may be failing.`;
}

function renderBanner() {
  const messages = [state.streamError, state.readiness, staleness(), ...state.errors].filter(
    (m): m is string => Boolean(m),
  );
  const banner = $("banner");
  banner.hidden = messages.length === 0;
  banner.replaceChildren(
    ...messages.map((m) => {
      const p = document.createElement("p");
      p.textContent = m;
      return p;
    }),
  );
  $("live").textContent = state.streamOpen ? "live" : "offline";
  $("live").className = `live ${state.streamOpen ? "on" : "off"}`;
}

const errorsByKey = new Map<string, string>();
function setError(key: string, message: string | null) {
  if (message) errorsByKey.set(key, message);
  else errorsByKey.delete(key);
  state.errors = [...errorsByKey.values()];
  renderBanner();
}

// ---- controls --------------------------------------------------------------------------------

function saveUrl() {
  const query = new URLSearchParams({ symbol: state.symbol, interval: state.interval });
  history.replaceState(null, "", `?${query}`);
}

function selectSymbol(symbol: string) {
  if (symbol === state.symbol) return;
  state.symbol = symbol;
  saveUrl();
  void loadChart();
  void loadScorecard();
}

function selectInterval(interval: Interval) {
  state.interval = interval;
  for (const button of document.querySelectorAll<HTMLButtonElement>("#intervals button"))
    button.setAttribute("aria-pressed", String(button.dataset.interval === interval));
  saveUrl();
  void loadChart();
}

function setupControls() {
  symbolSelect.addEventListener("change", () => selectSymbol(symbolSelect.value));
  const intervals = $("intervals");
  intervals.append(
    ...Object.keys(INTERVALS).map((name) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      button.dataset.interval = name;
      button.setAttribute("aria-pressed", String(name === state.interval));
      button.addEventListener("click", () => selectInterval(name as Interval));
      return button;
    }),
  );
  const tz = $<HTMLSelectElement>("tz");
  tz.value = state.time.timeZone;
  tz.addEventListener("change", () => {
    state.time = { ...state.time, timeZone: tz.value };
    localStorage.setItem("shamdan.tz", tz.value);
    redrawSettings();
  });
  const calendar = $<HTMLSelectElement>("calendar");
  calendar.value = state.time.calendar;
  calendar.addEventListener("change", () => {
    state.time = { ...state.time, calendar: calendar.value as Calendar };
    localStorage.setItem("shamdan.calendar", calendar.value);
    redrawSettings();
  });
  const unit = $<HTMLSelectElement>("unit");
  unit.value = state.unit;
  unit.addEventListener("change", () => {
    state.unit = unit.value as PriceUnit;
    localStorage.setItem("shamdan.unit", unit.value);
    redrawSettings();
  });
  // The chart takes the keyboard when focused: arrows scroll, +/- zoom, Home/End jump.
  chartEl.tabIndex = 0;
  chartEl.addEventListener("keydown", (event) => {
    const scale = chart.timeScale();
    const range = scale.getVisibleLogicalRange();
    if (!range) return;
    const width = range.to - range.from;
    const step = Math.max(1, Math.round(width / 10));
    let next: { from: number; to: number } | undefined;
    if (event.key === "ArrowLeft") next = { from: range.from - step, to: range.to - step };
    else if (event.key === "ArrowRight") next = { from: range.from + step, to: range.to + step };
    else if (event.key === "+" || event.key === "=")
      next = { from: range.from + width / 4, to: range.to - width / 4 };
    else if (event.key === "-") next = { from: range.from - width / 2, to: range.to + width / 2 };
    else if (event.key === "End") {
      scale.scrollToRealTime();
      event.preventDefault();
      return;
    } else if (event.key === "Home") next = { from: 0, to: width };
    if (next) {
      scale.setVisibleLogicalRange(next);
      event.preventDefault();
    }
  });
}

/** Time zone, calendar or unit changed: every label and the time axis are redrawn. */
function redrawSettings() {
  const range = chart.timeScale().getVisibleLogicalRange();
  candles.applyOptions({ priceFormat: priceFormat() });
  for (const series of [sma, ema, gains]) series.applyOptions({ priceFormat: priceFormat() });
  drawAll();
  if (range) chart.timeScale().setVisibleLogicalRange(range);
  renderSummary();
  renderSymbols();
  renderTable();
}

// ---- test hook -------------------------------------------------------------------------------

type Series = ISeriesApi<"Candlestick"> | ISeriesApi<"Line"> | ISeriesApi<"Histogram">;
const points = (series: Series) => series.data().filter((d) => "value" in d || "close" in d).length;

/** A read-only snapshot for the end-to-end test and for anyone curious in the console. */
Object.defineProperty(window, "__shamdan", {
  get: () => {
    const last = state.bars.at(-1);
    return structuredClone({
      loaded: state.loaded,
      symbol: state.symbol,
      interval: state.interval,
      series: {
        candles: points(candles),
        sma: points(sma),
        ema: points(ema),
        volume: points(volume),
        rsi: points(rsi),
        gainLoss: points(gains),
      },
      lastBar: last ?? null,
      tail: state.bars.slice(-3),
      markers: markers.markers().length,
      markerTimes: state.markers.map((m) => ({ openTime: m.openTime, signal: m.signal })),
      tableRows: $("signals-body").querySelectorAll("tr").length,
      streamOpen: state.streamOpen,
      liveRows: state.liveRows,
      firstChartMs: state.firstChartMs,
      banner: $("banner").hidden ? null : $("banner").textContent,
      names: state.names,
      visibleClose: {
        high: $("s-high").textContent,
        avg: $("s-avg").textContent,
        low: $("s-low").textContent,
      },
    });
  },
});

// ---- start -----------------------------------------------------------------------------------

async function start() {
  setupControls();
  renderBanner();
  try {
    const [symbols, latest] = await Promise.all([
      getJson<{ symbols: SymbolInfo[] }>("/api/symbols"),
      getJson<{ signals: StreamRow[] }>("/api/signals/latest"),
    ]);
    state.symbols = symbols.symbols;
    for (const row of latest.signals) state.latest.set(row.symbol, row);
    const first = latest.signals[0];
    if (first) state.names = indicatorNames(first);
    const known = state.symbols.map((s) => s.symbol);
    if (!known.includes(state.symbol)) state.symbol = known[0] ?? "";
    setError("start", null);
  } catch (error) {
    setError("start", `Could not read the symbols: ${(error as Error).message}`);
    setTimeout(start, 5000);
    return;
  }
  renderSymbols();
  renderTable();
  if (state.symbol) {
    saveUrl();
    await loadChart();
  }
  connect();
  void checkReadiness();
  setInterval(() => void checkReadiness(), 15_000);
  void loadScorecard();
  setInterval(() => void loadScorecard(), 60_000);
}

void start();
