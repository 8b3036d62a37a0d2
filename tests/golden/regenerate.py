"""Regenerate the golden output files after an intended change of fmmpy's printed
output.  Review the diff before committing: the stamp files' numbers must still be
Stata's, the mixreg files' must still pass the references named in test_golden.py.

    python tests/golden/regenerate.py

A case is a command (fitted to the stamp data) or ``(command, data file, keyword
arguments of fmmpy.fmm)``; ``mixreg.csv`` is made by ``make_mixreg.py``.
"""

from pathlib import Path

import pandas as pd

import fmmpy

HERE = Path(__file__).parent
CASES = {
    "stamp_regress3.txt": "fmm 3: regress thickness",
    "stamp_lognormal3.txt": "fmm 3: glm thickness, family(lognormal)",
    "mixreg_lcprob2.txt": ("fmm 2, lcprob(z): regress y x", "mixreg.csv", {}),
    "mixreg_cluster2.txt": ("fmm 2, vce(cluster g): regress y x", "mixreg.csv", {}),
    "mixreg_robust_constrained2.txt": (
        "fmm 2, lcinvariant(errvar) vce(robust): regress y x", "mixreg.csv",
        {"constraints": {"1.Class:y:x": 0.5}}),
}


def render(case) -> str:
    if isinstance(case, str):
        command, data, kwargs = case, fmmpy.datasets.load("stamp"), {}
    else:
        command, name, kwargs = case
        data = pd.read_csv(HERE / name)
    res = fmmpy.fmm(command, data=data, log=False, **kwargs)
    return f"{res}\n\n{res.estat_lcprob()}\n"


if __name__ == "__main__":
    for name, case in CASES.items():
        (HERE / name).write_text(render(case))
        print("wrote", HERE / name)
