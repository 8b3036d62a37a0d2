"""Frozen specifications: what the user asked for, as pure data.

``str(spec)`` gives back the canonical Stata command, and parsing that text gives
an equal spec.

Examples
--------
>>> from fmmpy.parse import parse_command
>>> spec = parse_command("fmm 3 if x>1, vce(robust) : reg y x")
>>> str(spec)
'fmm 3 if x > 1, vce(robust): regress y x'
>>> spec.nclasses, spec.hybrid
(3, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .expr import Expr
from .options import SubOptions, VarRef, render_options
from .terms import RHS, VarGroup

__all__ = [
    "WeightSpec",
    "InRange",
    "StartValues",
    "EquationSpec",
    "VarGroup",
    "ComponentSpec",
    "FMMSpec",
    "FMMSettings",
    "VarRef",
]


@dataclass(frozen=True)
class WeightSpec:
    """``[fweight=w]``, ``[pweight=w]`` or ``[iweight=w]``."""

    kind: str
    var: str

    def __str__(self) -> str:
        return f"[{self.kind}={self.var}]"


@dataclass(frozen=True)
class InRange:
    """``in first/last`` with Stata's 1-based, inclusive, negative-from-end numbers."""

    first: int
    last: int

    def __str__(self) -> str:
        def word(v: int) -> str:
            return "l" if v == -1 else str(v)

        if self.first == self.last:
            return f"in {word(self.first)}"
        return f"in {self.first}/{word(self.last)}"


@dataclass(frozen=True)
class StartValues:
    """``startvalues(method [args] [, draws(#) seed(#)])``.

    Examples
    --------
    >>> str(StartValues("randompr", draws=20, seed=1))
    'randompr, draws(20) seed(1)'
    """

    method: str = "factor"
    args: tuple[Any, ...] = ()
    draws: int | None = None
    seed: int | None = None

    def __str__(self) -> str:
        head = " ".join([self.method, *(str(a) for a in self.args)])
        tail = []
        if self.draws is not None:
            tail.append(f"draws({self.draws})")
        if self.seed is not None:
            tail.append(f"seed({self.seed})")
        return f"{head}, {' '.join(tail)}" if tail else head


@dataclass(frozen=True)
class EquationSpec:
    """One outcome equation: a model, its dependent variable(s), covariates, options.

    Examples
    --------
    >>> from fmmpy.parse import parse_command
    >>> eq = parse_command("fmm 2: glm y x, family(lognormal)").components[0].equations[0]
    >>> eq.model, eq.depvars, eq.option("family")
    ('glm', ('y',), ('lognormal',))
    """

    model: str
    depvars: tuple[str, ...]
    rhs: RHS = field(default_factory=RHS)
    options: tuple[tuple[str, Any], ...] = ()
    groups: tuple[VarGroup, ...] = ()

    def option(self, name: str, default: Any = None) -> Any:
        """The value of option ``name`` (canonical name), or ``default``."""
        for key, value in self.options:
            if key == name:
                return value
        return default

    def variables(self) -> tuple[str, ...]:
        """Every data variable the equation reads (depvars, covariates, option variables)."""
        out: list[str] = list(self.depvars)
        for v in (*self.rhs.variables(), *(v for g in self.groups for v in g.variables())):
            if v not in out:
                out.append(v)
        for _, value in self.options:
            for v in _option_variables(value):
                if v not in out:
                    out.append(v)
        return tuple(out)

    def __str__(self) -> str:
        deps = " ".join(self.depvars)
        rhs = str(self.rhs)
        if self.rhs.form == "formula":
            body = f"{self.model} {deps} ~ {rhs}"
        else:
            body = " ".join(p for p in (self.model, deps, *map(str, self.groups), rhs) if p)
        if self.options:
            body += ", " + render_options(self.options)
        return body


def _option_variables(value: Any) -> tuple[str, ...]:
    """Variables named by an option value (RHS objects and :class:`VarRef` markers)."""
    if isinstance(value, RHS):
        return value.variables()
    if isinstance(value, VarRef):
        return (value.name,)
    if isinstance(value, tuple):
        out: list[str] = []
        for v in value:
            out.extend(_option_variables(v))
        return tuple(out)
    if isinstance(value, SubOptions):
        return _option_variables(tuple(v for _, v in value.items))
    if isinstance(value, StartValues):
        return _option_variables(value.args)
    return ()


@dataclass(frozen=True)
class ComponentSpec:
    """The model of one latent class: one or more equations joined by ``;``, plus the
    class-probability covariates given inside a hybrid component.

    Examples
    --------
    >>> from fmmpy.parse import parse_command
    >>> c = parse_command("fmm: (regress y) (regress y x, lcprob(z))").components[1]
    >>> str(c), str(c.lcprob)
    ('regress y x, lcprob(z)', 'z')
    """

    equations: tuple[EquationSpec, ...]
    lcprob: RHS | None = None

    def __str__(self) -> str:
        parts = [str(eq) for eq in self.equations]
        if self.lcprob is not None:
            sep = " " if ", " in parts[-1] else ", "
            parts[-1] = f"{parts[-1]}{sep}lcprob({self.lcprob})"
        return " ; ".join(parts)

    def variables(self) -> tuple[str, ...]:
        out: list[str] = []
        for eq in self.equations:
            out.extend(v for v in eq.variables() if v not in out)
        if self.lcprob is not None:
            out.extend(v for v in self.lcprob.variables() if v not in out)
        return tuple(out)


@dataclass(frozen=True)
class FMMSettings:
    """Typed view of the ``fmm`` options with Stata's defaults filled in.

    Examples
    --------
    >>> FMMSettings().emiterate, FMMSettings().tolerance
    (20, 1e-06)
    """

    lcprob: RHS | None = None
    lcbase: int = 1
    lclabel: str = "Class"
    lcinvariant: tuple[str, ...] = ("none",)
    group: VarRef | None = None
    listwise: bool = False
    vce: tuple[str, ...] = ("oim",)
    level: float = 95.0
    startvalues: StartValues = field(default_factory=StartValues)
    emiterate: int = 20
    emtolerance: float = 1e-6
    emltolerance: float = 1e-7
    iterate: int = 300
    tolerance: float = 1e-6
    ltolerance: float = 1e-7
    nrtolerance: float = 1e-5
    nonrtolerance: bool = False
    difficult: bool = False
    noestimate: bool = False
    collinear: bool = False
    noheader: bool = False
    notable: bool = False
    nodvheader: bool = False
    nocnsreport: bool = False


@dataclass(frozen=True)
class FMMSpec:
    """A parsed ``fmm`` command.

    Attributes
    ----------
    k : int or None
        The number of classes in the standard syntax; ``None`` for the hybrid syntax.
    components : tuple of ComponentSpec
        One component (standard syntax, repeated for every class) or one per class
        (hybrid syntax).
    if_expr, in_range, weight : optional
        Sample restrictions and weights.
    options : tuple of (name, value)
        The ``fmm`` options as typed, canonical names.
    """

    k: int | None
    components: tuple[ComponentSpec, ...]
    if_expr: Expr | None = None
    in_range: InRange | None = None
    weight: WeightSpec | None = None
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def hybrid(self) -> bool:
        """Whether the hybrid syntax ``fmm: (m1) (m2)`` was used."""
        return self.k is None

    @property
    def nclasses(self) -> int:
        """The number of latent classes."""
        return self.k if self.k is not None else len(self.components)

    @property
    def class_components(self) -> tuple[ComponentSpec, ...]:
        """One :class:`ComponentSpec` per class."""
        if self.k is not None:
            return self.components * self.k
        return self.components

    def option(self, name: str, default: Any = None) -> Any:
        """The value of ``fmm`` option ``name`` (canonical), or ``default``."""
        for key, value in self.options:
            if key == name:
                return value
        return default

    @property
    def settings(self) -> FMMSettings:
        """The options with defaults, as an :class:`FMMSettings`."""
        values: dict[str, Any] = {}
        for key, value in self.options:
            if key == "emopts":
                for sub, v in value.items:
                    values[f"em{sub}"] = v
            elif key in FMMSettings.__dataclass_fields__:
                values[key] = value
        return FMMSettings(**values)

    def variables(self) -> tuple[str, ...]:
        """Every data variable the command reads."""
        out: list[str] = []
        for comp in self.components:
            out.extend(v for v in comp.variables() if v not in out)
        for v in _option_variables(tuple(v for _, v in self.options)):
            if v not in out:
                out.append(v)
        if self.if_expr is not None:
            out.extend(sorted(v for v in self.if_expr.variables() if v not in out))
        if self.weight is not None and self.weight.var not in out:
            out.append(self.weight.var)
        return tuple(out)

    def __str__(self) -> str:
        head = "fmm" if self.k is None else f"fmm {self.k}"
        if self.if_expr is not None:
            head += f" if {self.if_expr}"
        if self.in_range is not None:
            head += f" {self.in_range}"
        if self.weight is not None:
            head += f" {self.weight}"
        if self.options:
            head += ", " + render_options(self.options)
        if self.k is None:
            body = " ".join(f"({c})" for c in self.components)
        else:
            body = str(self.components[0])
        return f"{head}: {body}"
