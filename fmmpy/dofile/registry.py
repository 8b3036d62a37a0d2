"""The commands the do-file runner knows: one small handler function per Stata command.

A handler takes the :class:`~fmmpy.dofile.session.Session` and the :class:`Call` (the
command's arguments) and prints what Stata prints.  Adding a command is a few lines::

    @command("lrtest", summary="likelihood-ratio test of two stored models")
    def _lrtest(session, call):
        ...

Subcommands (``estat lcprob``, ``estimates store``) use their own small registries
built the same way (:class:`Registry`).  Commands that other parts of fmmpy will back
but that are not available yet are listed in :data:`PLANNED` with the message the
runner prints; register a handler and remove the entry when the feature lands.

Examples
--------
>>> reg = Registry("command")
>>> @reg.register("summarize", min_abbrev=2, summary="summary statistics")
... def _summarize(session, call):
...     return None
>>> reg.lookup("su").name, reg.lookup("summ").name, reg.lookup("s")
('summarize', 'summarize', None)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .session import Session

__all__ = ["Call", "CommandSpec", "Registry", "COMMANDS", "command", "PLANNED"]


@dataclass(frozen=True)
class Call:
    """One command as the handler sees it.

    Attributes
    ----------
    name : str
        The command's full name (``summarize`` even when typed ``su``).
    args : str
        Everything after the command word.
    command : str
        The whole command (for error carets).
    offset : int
        Column of ``args`` in ``command``.

    Examples
    --------
    >>> Call("list", " x in 1", "list x in 1", 4).args.strip()
    'x in 1'
    """

    name: str
    args: str
    command: str
    offset: int


Handler = Callable[["Session", Call], Any]


@dataclass(frozen=True)
class CommandSpec:
    """A registered command: its name, Stata's minimal abbreviation, handler and a
    one-line summary (shown in the docs and in error hints).

    Examples
    --------
    >>> CommandSpec("generate", 1, lambda s, c: None, "").matches("gen")
    True
    """

    name: str
    min_abbrev: int
    handler: Handler
    summary: str

    def matches(self, typed: str) -> bool:
        return len(typed) >= self.min_abbrev and self.name.startswith(typed)


class Registry:
    """Commands (or subcommands) by name, resolving Stata's abbreviations.

    Examples
    --------
    >>> Registry("estat").names()
    []
    """

    def __init__(self, what: str):
        self.what = what
        self._specs: dict[str, CommandSpec] = {}

    def register(self, name: str, min_abbrev: int | None = None, summary: str = ""
                 ) -> Callable[[Handler], Handler]:
        """Decorator registering a handler under ``name`` (abbreviable to
        ``min_abbrev`` characters; default: no abbreviation).

        Examples
        --------
        >>> reg = Registry("command")
        >>> _ = reg.register("clear")(lambda session, call: None)
        >>> reg.names()
        ['clear']
        """

        def decorate(handler: Handler) -> Handler:
            self._specs[name] = CommandSpec(name, min_abbrev or len(name), handler, summary)
            return handler

        return decorate

    def lookup(self, typed: str) -> CommandSpec | None:
        """The command ``typed`` names (exactly or as an abbreviation), or ``None``.

        Examples
        --------
        >>> Registry("command").lookup("use") is None
        True
        """
        if typed in self._specs:
            return self._specs[typed]
        return next((s for s in self._specs.values() if s.matches(typed)), None)

    def names(self) -> list[str]:
        """Registered names, sorted.

        Examples
        --------
        >>> COMMANDS.names()[:3]
        ['capture', 'clear', 'drop']
        """
        return sorted(self._specs)

    def specs(self) -> list[CommandSpec]:
        """Registered commands, sorted by name.

        Examples
        --------
        >>> [s.name for s in COMMANDS.specs()][:2]
        ['capture', 'clear']
        """
        return [self._specs[n] for n in self.names()]


#: The top-level commands of the do-file runner.
COMMANDS = Registry("command")


def command(name: str, min_abbrev: int | None = None, summary: str = ""
            ) -> Callable[[Handler], Handler]:
    """Register a top-level command handler (see the module docstring).

    Examples
    --------
    >>> COMMANDS.lookup("gen").name
    'generate'
    """
    return COMMANDS.register(name, min_abbrev, summary)


#: Stata commands that fmmpy will run once the feature behind them is built, with the
#: message printed until then.  Remove an entry when its handler is registered.
PLANNED: dict[str, str] = {}
