"""Run Stata do-files with fmmpy: ``python -m fmmpy run analysis.do``.

The runner knows the commands a mixture analysis needs (``use``, ``generate``,
``fmm``, ``estat lcprob``, ``predict``, ``list``, ...; see :data:`COMMANDS`) and prints
what Stata prints.  From Python, :class:`Session` keeps the data and results between
commands and :func:`run_dofile` runs a file.

Examples
--------
>>> from fmmpy.dofile import Session
>>> s = Session(log=False)
>>> s.run("webuse stamp\\nquietly fmm 3: regress thickness\\nestat lcprob")  # doctest: +ELLIPSIS
. webuse stamp
...
. estat lcprob
<BLANKLINE>
Latent class marginal probabilities                        Number of obs = 485
...
          1  |   .1942968   .0221242      .1545535    .2413428
...
"""

from . import (  # noqa: F401  (register commands)
    data_commands,
    model_commands,
    postest_commands,
    show_commands,
)
from .errors import DoFileError, StataError
from .reader import Command, split_commands
from .registry import COMMANDS, PLANNED, command
from .session import Session, run_dofile

__all__ = ["Session", "run_dofile", "DoFileError", "StataError", "COMMANDS", "PLANNED",
           "command", "split_commands", "Command"]
