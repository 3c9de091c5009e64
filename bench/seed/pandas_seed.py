"""The original system's method, timed: on each new candle, append it to the history and recompute
SMA, EMA, RSI and the signal over the whole history with pandas (the formulas of
tools/talib-fixtures/pandas_fixtures.py, reused). Reads a JSON job on stdin:
    {"closes": [...], "sizes": [1000, ...], "samples": 9, "periods": {...}, "thresholds": {...}}
and prints {"pandas": version, "msPerCandle": {size: median ms}, "signals": {size: [signal of each sample]}}.
"""
import json
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "talib-fixtures"))
import pandas_fixtures  # noqa: E402


WARMUP = 3


def main() -> None:
    job = json.load(sys.stdin)
    closes = job["closes"]
    p, t = job["periods"], job["thresholds"]
    pandas_fixtures.BUY_BELOW, pandas_fixtures.SELL_ABOVE = t["rsiBuyBelow"], t["rsiSellAbove"]
    ms, signals = {}, {}
    for size in job["sizes"]:
        history = pd.DataFrame({"close": pd.Series(closes[:size], dtype="float64")})
        times, sigs = [], []
        # Unmeasured candles first (lazy imports, allocator), then the sampled ones.
        for i in range(size, size + WARMUP + job["samples"]):
            start = time.perf_counter()
            history = pd.concat([history, pd.DataFrame({"close": [closes[i]]})], ignore_index=True)
            frame = pandas_fixtures.pandas_frame(history["close"], p["sma"], p["ema"], p["rsi"])
            signal = frame["signal"].iat[-1]
            elapsed = (time.perf_counter() - start) * 1000
            if i >= size + WARMUP:
                times.append(elapsed)
                sigs.append(signal)
        ms[str(size)] = statistics.median(times)
        signals[str(size)] = sigs
    json.dump({"pandas": pd.__version__, "msPerCandle": ms, "signals": signals}, sys.stdout)


if __name__ == "__main__":
    main()
