"""Regenerate the pictures in the docs from the code (run after changing plots):

    python docs/make_figures.py            # writes docs/img/*.png
    python docs/make_figures.py OUTDIR     # somewhere else

Each picture is drawn by fmmpy's own plotting functions on the stamp data, so the
docs show exactly what `res.plot()` gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

import fmmpy


def make(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    df = fmmpy.datasets.load("stamp")
    normal = fmmpy.fmm("fmm 3: regress thickness", data=df, log=False)
    lognormal = fmmpy.fmm("fmm 3: glm thickness, family(lognormal)", data=df, log=False)
    figures = {
        # The seed's: histogram thickness, bins(80) addplot(line den thickness)
        "stamp_density.png": normal.plot("density", bins=80),
        "stamp_posterior.png": normal.plot("posterior"),
    }
    # The seed's comparison of the two mixtures' densities.
    both = normal.plot("density", bins=80, components=False, label="mixture of normals")
    lognormal.plot("density", ax=both.axes[0], hist=False, components=False,
                   label="mixture of lognormals", color="#c0392b")
    figures["stamp_normal_lognormal.png"] = both
    written = []
    for name, fig in figures.items():
        path = outdir / name
        fig.savefig(path, dpi=96, metadata={"Software": None})
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "img"
    for p in make(target):
        print("wrote", p)
