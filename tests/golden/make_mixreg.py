"""Write mixreg.csv: a simulated two-class regression mixture used by the golden
files and tests (class membership depends on z; clusters g; frequency weights w).

    python tests/golden/make_mixreg.py

The file is committed; this script documents how it was made.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def make(n: int = 300, seed: int = 20240611) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    g = rng.integers(1, 31, size=n)
    w = rng.integers(1, 4, size=n)
    c2 = rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-(0.3 + 1.2 * z)))
    y = np.where(c2, 2.0 + 1.0 * x + rng.normal(scale=0.5, size=n),
                 -1.0 + 0.5 * x + rng.normal(scale=0.7, size=n))
    return pd.DataFrame({"y": y.round(4), "x": x.round(4), "z": z.round(4), "g": g, "w": w})


if __name__ == "__main__":
    make().to_csv(HERE / "mixreg.csv", index=False)
    print("wrote", HERE / "mixreg.csv")
