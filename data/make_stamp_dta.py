"""Write data/stamp.dta from data/stamp.csv with a float32 ``thickness`` (Stata's
``float`` storage type), as in Stata's own stamp.dta.

Run from the repository root:  python data/make_stamp_dta.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

here = Path(__file__).resolve().parent
df = pd.read_csv(here / "stamp.csv")
df["thickness"] = df["thickness"].astype(np.float32)
df.to_stata(here / "stamp.dta", write_index=False, version=118,
            data_label="1872 Hidalgo stamp of Mexico",
            variable_labels={"thickness": "Stamp thickness (mm)"})
