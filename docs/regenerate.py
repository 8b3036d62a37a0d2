"""Regenerate what the docs show from the code (run after changing plots or output):

    python docs/regenerate.py            # writes docs/img/*.png and docs/snippets/*
    python docs/regenerate.py OUTDIR     # somewhere else

The pictures are drawn by fmmpy's own plotting functions on the stamp data, the
transcript is what `python -m fmmpy run examples/stamp.do` prints and the Markdown table is res.to_markdown(), so the docs show exactly what
users get.  tests/test_docs.py checks that the committed snippets are current.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import fmmpy
from fmmpy.dofile import Session

ROOT = Path(__file__).resolve().parents[1]


def stamp_transcript() -> str:
    """What `python -m fmmpy run examples/stamp.do` prints (run from the repository root)."""
    out = io.StringIO()
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        session = Session(stream=out)
        session.run_file("examples/stamp.do")
        session.write("end of do-file")
    finally:
        os.chdir(here)
    return out.getvalue()


def runners_fit() -> fmmpy.FMMResults:
    """The seed's latent-trajectory model on the simulated runners of
    docs/trajectories.md."""
    df = fmmpy.datasets.simulate_trajectories(500, seed=1)
    return fmmpy.fmm("fmm 3, group(runner) lcprob(age female) lcinvariant(errvar): "
                     "regress speed t c.t#c.t c.t#c.t#c.t ; mlogit status t", data=df,
                     log=False, search=False)


def figures(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    df = fmmpy.datasets.load("stamp")
    normal = fmmpy.fmm("fmm 3: regress thickness", data=df, log=False)
    lognormal = fmmpy.fmm("fmm 3: glm thickness, family(lognormal)", data=df, log=False)
    drawn = {
        # The seed's: histogram thickness, bins(80) addplot(line den thickness)
        "stamp_density.png": normal.plot("density", bins=80),
        "stamp_posterior.png": normal.plot("posterior"),
    }
    # The seed's comparison of the two mixtures' densities.
    both = normal.plot("density", bins=80, components=False, label="mixture of normals")
    lognormal.plot("density", ax=both.axes[0], hist=False, components=False,
                   label="mixture of lognormals", color="#c0392b")
    drawn["stamp_normal_lognormal.png"] = both
    drawn["runners_trajectory.png"] = runners_fit().plot("trajectory")
    written = []
    for name, fig in drawn.items():
        path = outdir / name
        fig.savefig(path, dpi=96, metadata={"Software": None})
        written.append(path)
    return written


def main(outdir: Path) -> None:
    for path in figures(outdir / "img"):
        print("wrote", path)
    snippets = outdir / "snippets"
    snippets.mkdir(parents=True, exist_ok=True)
    (snippets / "stamp.do.log").write_text(stamp_transcript())
    res = fmmpy.fmm("fmm 3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    (snippets / "stamp.to_markdown.txt").write_text(res.to_markdown() + "\n")
    for name in ("stamp.do.log", "stamp.to_markdown.txt"):
        print("wrote", snippets / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
