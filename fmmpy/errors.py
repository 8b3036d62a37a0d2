"""Typed errors and warnings.

Every problem a user can cause raises a subclass of :class:`FMMError`; every
condition a user should know about but can live with is a subclass of
:class:`FMMWarning`.  Messages are written for someone who knows Stata.

Examples
--------
>>> from fmmpy.errors import FMMSyntaxError
>>> err = FMMSyntaxError("expected ':'", command="fmm 3 regress y", column=6)
>>> print(err)
expected ':'
    fmm 3 regress y
          ^
"""

from __future__ import annotations

__all__ = [
    "FMMError",
    "FMMSyntaxError",
    "FMMDataError",
    "FMMConvergenceError",
    "FMMDependencyError",
    "FMMWarning",
    "FMMConvergenceWarning",
    "FMMNotConcaveWarning",
    "FMMCollinearityWarning",
    "FMMDegenerateWarning",
    "FMMLocalMaximumWarning",
]


class FMMError(Exception):
    """Root of every error fmmpy raises on bad input or an impossible fit.

    Examples
    --------
    >>> import fmmpy
    >>> issubclass(fmmpy.FMMSyntaxError, fmmpy.FMMError)
    True
    """


class FMMSyntaxError(FMMError, ValueError):
    """A command that does not parse.

    Parameters
    ----------
    message : str
        What was expected, in Stata's terms.
    command : str, optional
        The full command text.
    column : int, optional
        0-based column of the mistake in ``command``; a caret is drawn under it.

    Examples
    --------
    >>> e = FMMSyntaxError("unknown option 'foo'", command="fmm 2, foo: regress y", column=7)
    >>> e.column
    7
    """

    def __init__(self, message: str, command: str | None = None, column: int | None = None):
        self.message = message
        self.command = command
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        if self.command is None or self.column is None:
            return self.message
        col = max(0, min(self.column, len(self.command)))
        return f"{self.message}\n    {self.command}\n    {' ' * col}^"


class FMMDataError(FMMError, ValueError):
    """Data that cannot carry the model: unknown or string variables, values outside
    a family's support, bad weights, an empty estimation sample.

    Examples
    --------
    >>> raise FMMDataError("variable zz not found")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: variable zz not found
    """


class FMMConvergenceError(FMMError, RuntimeError):
    """A fit that cannot proceed at all (for example, a log likelihood that cannot
    be evaluated at the starting values).

    Examples
    --------
    >>> str(FMMConvergenceError("initial values not feasible"))
    'initial values not feasible'
    """


class FMMDependencyError(FMMError, ImportError):
    """An optional dependency is missing (matplotlib for plots); the message says
    which ``pip install`` adds it.

    Examples
    --------
    >>> err = FMMDependencyError("plots need matplotlib: pip install 'fmmpy[plot]'")
    >>> isinstance(err, ImportError), isinstance(err, FMMError)
    (True, True)
    """


class FMMWarning(UserWarning):
    """Root of fmmpy's warnings: something the user should know but can live with.

    Examples
    --------
    >>> import warnings
    >>> issubclass(FMMConvergenceWarning, FMMWarning)
    True
    """


class FMMConvergenceWarning(FMMWarning):
    """Maximization stopped before Stata's convergence criteria were met
    ("convergence not achieved").

    Examples
    --------
    >>> FMMConvergenceWarning("convergence not achieved").args[0]
    'convergence not achieved'
    """


class FMMNotConcaveWarning(FMMWarning):
    """The Hessian at the reported maximum is not negative definite, so some
    standard errors cannot be computed.

    Examples
    --------
    >>> issubclass(FMMNotConcaveWarning, FMMWarning)
    True
    """


class FMMCollinearityWarning(FMMWarning):
    """A covariate was omitted because of collinearity (Stata's note).

    Examples
    --------
    >>> issubclass(FMMCollinearityWarning, FMMWarning)
    True
    """


class FMMDegenerateWarning(FMMWarning):
    """A class collapsed: empty, a probability at the boundary, or a variance
    shrinking toward zero.

    Examples
    --------
    >>> issubclass(FMMDegenerateWarning, FMMWarning)
    True
    """


class FMMLocalMaximumWarning(FMMWarning):
    """Other starting values reach a higher log likelihood than the reported
    solution: the reported estimates are a local maximum.  The results keep
    Stata's solution; ``res.multistart`` says how to obtain the better one.

    Examples
    --------
    >>> issubclass(FMMLocalMaximumWarning, FMMWarning)
    True
    """
