"""Regenerate the golden output files after an intended change of fmmpy's printed
output.  Review the diff before committing: the numbers must still be Stata's.

    python tests/golden/regenerate.py
"""

from pathlib import Path

import fmmpy

HERE = Path(__file__).parent
CASES = {
    "stamp_regress3.txt": "fmm 3: regress thickness",
    "stamp_lognormal3.txt": "fmm 3: glm thickness, family(lognormal)",
}


def render(command: str) -> str:
    res = fmmpy.fmm(command, data=fmmpy.datasets.load("stamp"), log=False)
    return f"{res}\n\n{res.estat_lcprob()}\n"


if __name__ == "__main__":
    for name, command in CASES.items():
        (HERE / name).write_text(render(command))
        print("wrote", HERE / name)
