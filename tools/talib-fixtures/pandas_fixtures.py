"""pandas-flavor reference values: the original system's pandas formulas, run on
the first 2,000 real XRP/ETH 1-minute closes of data/candles/XRPETH.udf.json. Writes
indicators/fixtures/pandas-reference.json.

    pip install pandas && python3 tools/talib-fixtures/pandas_fixtures.py [path/to/XRPETH.udf.json]
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent.parent / "indicators" / "fixtures"
UDF = Path(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[2] / "data/candles/XRPETH.udf.json"))
COUNT = 2000
PERIOD_SETS = [(5, 10, 10), (2, 3, 4), (30, 14, 14)]
BUY_BELOW, SELL_ABOVE = 70, 30


def pandas_frame(close: pd.Series, sma_n: int, ema_n: int, rsi_n: int) -> pd.DataFrame:
    df = pd.DataFrame({"close": close})
    df["sma"] = df["close"].rolling(sma_n).mean()
    df["ema"] = df["close"].ewm(span=ema_n, adjust=False, min_periods=ema_n).mean()
    df["delta"] = df["close"].diff()
    # clip keeps the first row's NaN, so the first average is defined at index n (like TA-Lib's RSI).
    df["gain"] = df["delta"].clip(lower=0)
    df["loss"] = -df["delta"].clip(upper=0)
    df["avg_gain"] = df["gain"].rolling(rsi_n).mean()
    df["avg_loss"] = df["loss"].rolling(rsi_n).mean()
    # rs is undefined where avg_loss is 0 (the original system's formulas, docs/contracts.md), and so is RSI.
    df["rs"] = df["avg_gain"] / df["avg_loss"].replace(0, np.nan)
    df["rsi"] = 100 - 100 / (1 + df["rs"])
    buy = (df["sma"] > df["ema"]) & (df["rsi"] < BUY_BELOW)
    sell = (df["sma"] < df["ema"]) & (df["rsi"] > SELL_ABOVE)
    df["signal"] = np.where(buy, "BUY", np.where(sell, "SELL", "HOLD"))
    return df


def column(series: pd.Series) -> list:
    return [None if (isinstance(x, float) and math.isnan(x)) else (x if isinstance(x, str) else float(x)) for x in series]


def main() -> None:
    udf = json.loads(UDF.read_text())
    close = pd.Series(udf["c"][:COUNT], dtype="float64")
    cases = []
    for sma_n, ema_n, rsi_n in PERIOD_SETS:
        df = pandas_frame(close, sma_n, ema_n, rsi_n)
        cases.append(
            {
                "input": "xrpeth-2000",
                "periods": {"sma": sma_n, "ema": ema_n, "rsi": rsi_n},
                "thresholds": {"rsiBuyBelow": BUY_BELOW, "rsiSellAbove": SELL_ABOVE},
                **{name: column(df[name]) for name in ["sma", "ema", "delta", "gain", "loss", "avg_gain", "avg_loss", "rs", "rsi", "signal"]},
            }
        )
    out = {"generator": f"pandas {pd.__version__}, numpy {np.__version__}, tools/talib-fixtures/pandas_fixtures.py", "cases": cases}
    (FIXTURES / "pandas-reference.json").write_text(json.dumps(out) + "\n")
    print(f"wrote {len(cases)} cases to {FIXTURES / 'pandas-reference.json'}")


if __name__ == "__main__":
    main()
