"""Data commands of the do-file runner: ``use``, ``webuse``, ``import delimited``,
``save``, ``clear``, ``generate``, ``replace``, ``drop``, ``keep``, ``format``,
``set``, ``version``.

Storage follows Stata: ``generate`` makes ``float`` variables unless told ``double``
(or ``set type double``); text files are imported with decimals as ``float`` and
whole numbers as ``byte``/``int``/``long``, so ``use stamp.csv`` and ``use stamp.dta``
give the same numbers.

Examples
--------
>>> from fmmpy.dofile import Session
>>> s = Session()
>>> s.run('''webuse stamp
... generate double thin = thickness < .07
... replace thin = . in 1''')
. webuse stamp
(1872 Hidalgo stamp of Mexico)
<BLANKLINE>
. generate double thin = thickness < .07
<BLANKLINE>
. replace thin = . in 1
(1 real change made, 1 to missing)
<BLANKLINE>
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import datasets
from ..expr_eval import evaluate
from ..parse.options import OptionSchema, as_choice, match_options, split_options
from .errors import StataError
from .formats import DisplayFormat, default_format, parse_format
from .registry import Call, command
from .session import Session
from .syntax import NAME_RE, check_new_name, expand_varlist, parse_args, parse_assignment, \
    split_comma

__all__ = ["load_file", "read_delimited", "store_numbers"]

_INT_TYPES = (("byte", np.int8, -127, 100), ("int", np.int16, -32767, 32740),
              ("long", np.int32, -2147483647, 2147483620))
_TYPE_NAMES = {np.dtype(np.int8): "byte", np.dtype(np.int16): "int", np.dtype(np.int32): "long",
               np.dtype(np.int64): "long", np.dtype(np.float32): "float",
               np.dtype(np.float64): "double"}


def _options(call: Call, text: str | None, schemas: tuple[OptionSchema, ...]) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    offset = call.offset + len(call.args) - len(text)
    raw = split_options(text, offset, call.command)
    return dict(match_options(raw, schemas, call.command, context=f"with {call.name}"))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if text.startswith('`"') and text.endswith("\"'"):
        return text[2:-2]
    return text


# ---------------------------------------------------------------------------
# Reading and writing files
# ---------------------------------------------------------------------------


def store_numbers(values: np.ndarray, asdouble: bool = False) -> np.ndarray:
    """Stata's storage of imported numbers: whole numbers without missing values as
    the smallest of byte/int/long that holds them, anything else as float (double
    with ``asdouble``).

    Examples
    --------
    >>> store_numbers(np.array([1.0, 2.0])).dtype, store_numbers(np.array([0.06])).dtype
    (dtype('int8'), dtype('float32'))
    """
    x = np.asarray(values, dtype=float)
    finite = x[~np.isnan(x)]
    if finite.size == x.size and x.size and np.all(finite == np.round(finite)):
        for _, dtype, lo, hi in _INT_TYPES:
            if finite.min() >= lo and finite.max() <= hi:
                return x.astype(dtype)
    return x.astype(np.float64 if asdouble else np.float32)


def read_delimited(path: Path, *, delimiter: str | None = None, names: bool = True,
                   case: str = "preserve", asdouble: bool = False) -> pd.DataFrame:
    """Read a comma- or tab-separated file with Stata's storage types.

    Examples
    --------
    >>> from importlib import resources
    >>> with resources.as_file(resources.files("fmmpy") / "data" / "stamp.csv") as p:
    ...     str(read_delimited(p)["thickness"].dtype)
    'float32'
    """
    if delimiter is None:
        with open(path, encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
        delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        raw = pd.read_csv(path, sep=delimiter, header=0 if names else None, dtype=str,
                          keep_default_na=False)
    except Exception as exc:  # pandas raises many types for unreadable files
        raise StataError(f"file {path} could not be read: {exc}", rc=603) from None
    columns: list[str] = []
    for j, col in enumerate(raw.columns, start=1):
        name = str(col).strip() if names else f"v{j}"
        name = {"lower": name.lower(), "upper": name.upper()}.get(case, name)
        if not NAME_RE.fullmatch(name) or name in columns:
            name = f"v{j}"
        columns.append(name)
    out = {}
    for name, col in zip(columns, raw.columns):
        text = raw[col].str.strip()
        numbers = pd.to_numeric(text.replace({"": None, ".": None}), errors="coerce")
        numeric = bool(((text == "") | (text == ".") | numbers.notna()).all())
        out[name] = store_numbers(numbers.to_numpy(dtype=float, na_value=np.nan), asdouble) \
            if numeric else raw[col].to_numpy(dtype=object)
    return pd.DataFrame(out)


def load_file(path: Path) -> tuple[pd.DataFrame, str | None]:
    """Read a ``.dta`` (with its data label), ``.csv``/``.tsv``/``.txt`` or ``.parquet``
    file.

    Examples
    --------
    >>> load_file(Path("no/such.dta"))
    Traceback (most recent call last):
    ...
    fmmpy.dofile.errors.StataError: file no/such.dta not found
    """
    if not path.is_file():
        raise StataError(f"file {path} not found", rc=601)
    suffix = path.suffix.lower()
    try:
        if suffix == ".dta":
            from pandas.io.stata import StataReader

            with StataReader(path) as reader:
                frame = reader.read(convert_categoricals=False)
                label = reader.data_label or None
            return frame, label
        if suffix == ".parquet":
            return pd.read_parquet(path), None
    except Exception as exc:  # pandas raises many types for unreadable files
        raise StataError(f"file {path} could not be read: {exc}", rc=610) from None
    if suffix in (".csv", ".tsv", ".txt"):
        return read_delimited(path), None
    raise StataError(f"file {path}: expected a .dta, .csv, .tsv or .parquet file", rc=610)


def _data_file(session: Session, name: str) -> Path:
    if re.match(r"[a-z]+://", name):
        raise StataError(f"{name}: fmmpy does not download files; download it first (Stata's "
                         "example data shipped with fmmpy load with webuse, e.g. webuse stamp)",
                         rc=601)
    path = session.resolve(name)
    if not path.suffix and not path.exists():
        path = session.resolve(name + ".dta")
    return path


_CLEAR = (OptionSchema("clear", 5),)


@command("use", summary="load a Stata .dta file (or a .csv or .parquet file)")
def _use(session: Session, call: Call) -> None:
    main, opt_text = split_comma(call.args)
    opts = _options(call, opt_text, _CLEAR)
    if re.search(r"\busing\b", main):
        raise StataError("use varlist using filename: fmmpy loads whole files; use the file "
                         "and keep the variables you need", rc=198)
    name = _unquote(main)
    if not name:
        raise StataError("invalid file specification", rc=198)
    path = _data_file(session, name)
    session.can_replace_data(bool(opts.get("clear")))
    frame, label = load_file(path)
    session.set_data(frame, label, path)
    if label:
        session.write(f"({label})")


@command("webuse", summary="load an example dataset shipped with fmmpy (webuse stamp)")
def _webuse(session: Session, call: Call) -> None:
    main, opt_text = split_comma(call.args)
    opts = _options(call, opt_text, _CLEAR)
    name = _unquote(main).removesuffix(".dta")
    if name not in datasets.names():
        raise StataError(f"webuse {name}: fmmpy ships only {', '.join(datasets.names())}; "
                         "download other datasets and load them with use", rc=601)
    session.can_replace_data(bool(opts.get("clear")))
    label = datasets.label(name)
    session.set_data(datasets.load(name), label)
    if label:
        session.write(f"({label})")


_IMPORT = (OptionSchema("clear", 5), OptionSchema("delimiters", 5, lambda t, c, cmd: _unquote(t)),
           OptionSchema("varnames", 4, as_choice({"1": 1, "nonames": 5}, "varnames()")),
           OptionSchema("case", 4, as_choice({"preserve": 8, "lower": 5, "upper": 5}, "case()")),
           OptionSchema("asdouble", 8), OptionSchema("asfloat", 7))


@command("import", summary="import delimited filename: read a .csv or tab-separated file")
def _import(session: Session, call: Call) -> None:
    kind, _, rest = call.args.strip().partition(" ")
    if not (len(kind) >= 5 and "delimited".startswith(kind)):
        raise StataError(f"import {kind}: fmmpy reads text files with import delimited "
                         "(and .dta files with use)", rc=199)
    main, opt_text = split_comma(rest)
    opts = _options(call, opt_text, _IMPORT)
    name = _unquote(re.sub(r"^\s*using\b", "", main))
    path = session.resolve(name)
    if not path.suffix and not path.exists():
        path = session.resolve(name + ".csv")
    if not path.is_file():
        raise StataError(f"file {name} not found", rc=601)
    session.can_replace_data(bool(opts.get("clear")))
    delim = opts.get("delimiters")
    frame = read_delimited(path, delimiter={"tab": "\t", "\\t": "\t"}.get(delim, delim),
                           names=opts.get("varnames") != "nonames",
                           case=opts.get("case", "lower"), asdouble=bool(opts.get("asdouble")))
    session.set_data(frame, None, path)
    session.write(f"({_plural(frame.shape[1], 'var', 'vars')}, "
                  f"{_plural(len(frame), 'obs', 'obs')})")


@command("save", 2, summary="save the data as a Stata .dta file")
def _save(session: Session, call: Call) -> None:
    main, opt_text = split_comma(call.args)
    opts = _options(call, opt_text, (OptionSchema("replace", 7),))
    name = _unquote(main)
    if not name:
        if session.filename is None or session.filename.suffix.lower() != ".dta":
            raise StataError("invalid file specification: type save filename", rc=198)
        path = session.filename
    else:
        path = Path(name).expanduser()
        if not path.suffix:
            path = path.with_suffix(".dta")
    if path.suffix.lower() != ".dta":
        raise StataError(f"save writes Stata .dta files, not {path.suffix} files", rc=198)
    exists = path.exists()
    if exists and not opts.get("replace"):
        raise StataError(f"file {path} already exists", rc=602)
    try:
        session.data.to_stata(path, write_index=False, version=118,
                              data_label=session.data_label)
    except Exception as exc:  # pandas raises many types when a frame cannot be written
        raise StataError(f"file {path} could not be written: {exc}", rc=603) from None
    if opts.get("replace") and not exists:
        session.write(f"(file {path} not found)")
    session.write(f"file {path} saved")
    session.filename = path
    session.changed = False


@command("clear", summary="clear the data (clear all: also estimation results)")
def _clear(session: Session, call: Call) -> None:
    word = call.args.strip()
    if word not in ("", "all", "*"):
        raise StataError(f"clear {word}: fmmpy clears the data (clear) or everything "
                         "(clear all)", rc=198)
    session.set_data(pd.DataFrame())
    if word:
        session.results = None
        session.stored.clear()


# ---------------------------------------------------------------------------
# generate / replace
# ---------------------------------------------------------------------------


def _split_assignment(call: Call) -> tuple[list[str], str, int]:
    m = re.search(r"(?<![=!<>~])=(?!=)", call.args)
    if m is None:
        raise StataError(f"{call.name}: expected '=' (as in {call.name} y = ln(x))", rc=198)
    return call.args[:m.start()].split(), call.args[m.end():], call.offset + m.end()


def _typed_values(values: np.ndarray, storage: str) -> np.ndarray:
    """Numbers in a storage type (integers truncate; out of range becomes missing)."""
    if storage in ("float", "double"):
        return values.astype(np.float32 if storage == "float" else np.float64)
    _, dtype, lo, hi = next(t for t in _INT_TYPES if t[0] == storage)
    x = np.trunc(values)
    x = np.where((x < lo) | (x > hi), np.nan, x)
    return x.astype(np.float64) if np.isnan(x).any() else x.astype(dtype)


@command("generate", 1, summary="create a variable: generate [type] newvar = exp [if] [in]")
def _generate(session: Session, call: Call) -> None:
    data = session.require_data()
    left, rhs, col = _split_assignment(call)
    if not left or len(left) > 2:
        raise StataError("generate: expected [type] newvar = exp", rc=198)
    storage = left[0] if len(left) == 2 else session.storage
    name = left[-1]
    if not re.fullmatch(r"byte|int|long|float|double|str\d*|strL", storage):
        raise StataError(f"{storage} invalid type (byte, int, long, float, double or str#)",
                         rc=198)
    check_new_name(name, list(data.columns))
    expr, if_expr, in_range = parse_assignment(rhs, col, call.command)
    values = evaluate(expr, data, session.rng)
    mask = session.select(if_expr, in_range)
    if values.dtype == object:
        if not storage.startswith("str") and len(left) == 2:
            raise StataError("type mismatch", rc=109)
        column: Any = np.where(mask, values, "").astype(object)
        missing = int(np.sum(column == ""))
    else:
        if storage.startswith("str"):
            raise StataError("type mismatch", rc=109)
        column = _typed_values(np.where(mask, values, np.nan), storage)
        missing = int(np.isnan(column.astype(float)).sum())
        if storage in ("byte", "int", "long") and column.dtype == np.float64:
            session.formats[name] = DisplayFormat("g", 12 if storage == "long" else 8)
    session.data = data.assign(**{name: column})
    session.changed = True
    if missing:
        session.write(f"({_plural(missing, 'missing value', 'missing values')} generated)")


@command("replace", summary="change a variable: replace var = exp [if] [in]")
def _replace(session: Session, call: Call) -> None:
    data = session.require_data()
    left, rhs, col = _split_assignment(call)
    if len(left) != 1:
        raise StataError("replace: expected var = exp", rc=198)
    name = left[0]
    if name not in data.columns:
        raise StataError(f"variable {name} not found", rc=111)
    expr, if_expr, in_range = parse_assignment(rhs, col, call.command)
    values = evaluate(expr, data, session.rng)
    mask = session.select(if_expr, in_range)
    old = data[name]
    is_text = not (pd.api.types.is_numeric_dtype(old) or pd.api.types.is_bool_dtype(old))
    if is_text != (values.dtype == object):
        raise StataError("type mismatch", rc=109)
    if is_text:
        new = np.where(mask, values, old.to_numpy(dtype=object))
        changed = mask & (new != old.to_numpy(dtype=object))
        to_missing = changed & (new == "")
        session.data = data.assign(**{name: new})
    else:
        before = old.to_numpy(dtype=float, na_value=np.nan)
        new, note = _replace_numbers(session, name, old, np.where(mask, values, before))
        after = new.astype(float)
        same = (before == after) | (np.isnan(before) & np.isnan(after))
        changed = mask & ~same
        to_missing = changed & np.isnan(after)
        session.data = data.assign(**{name: new})
        if note:
            session.write(note)
    n, m = int(changed.sum()), int(to_missing.sum())
    tail = f", {m:,} to missing" if m else ""
    session.write(f"({_plural(n, 'real change', 'real changes')} made{tail})")
    session.changed = True


def _replace_numbers(session: Session, name: str, old: pd.Series, values: np.ndarray
                     ) -> tuple[np.ndarray, str]:
    """New values in ``old``'s storage type, promoting integers as Stata does."""
    dtype = np.dtype(np.int8) if pd.api.types.is_bool_dtype(old) else \
        np.dtype(getattr(old.dtype, "numpy_dtype", old.dtype))
    if dtype.kind == "f":
        return values.astype(dtype), ""
    finite = values[~np.isnan(values)]
    if np.all(finite == np.round(finite)):
        if np.isnan(values).any():  # missing fits Stata's integers, not numpy's
            session.formats.setdefault(name, default_format(old))
            return values, ""
        lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
        if finite.size == 0 or (finite.min() >= lo and finite.max() <= hi):
            return values.astype(dtype), ""
    wide = np.float32 if dtype.itemsize <= 2 else np.float64
    note = f"variable {name} was {_TYPE_NAMES.get(dtype, 'long')} now " \
           f"{_TYPE_NAMES[np.dtype(wide)]}"
    return values.astype(wide), note


# ---------------------------------------------------------------------------
# drop / keep / format
# ---------------------------------------------------------------------------


def _drop_or_keep(session: Session, call: Call, keep: bool) -> None:
    data = session.require_data()
    args = parse_args(call.args, call.offset, call.command)
    if args.options:
        raise StataError(f"{call.name}: options not allowed", rc=198)
    if args.words and (args.if_expr is not None or args.in_range is not None):
        raise StataError(f"{call.name}: give a varlist or if/in, not both", rc=198)
    if args.words:
        names = expand_varlist(args.words, list(data.columns))
        kept = [c for c in data.columns if (c in names) == keep]
        session.data = data[kept]
        session.formats = {k: v for k, v in session.formats.items() if k in kept}
    elif args.if_expr is None and args.in_range is None:
        raise StataError("varlist required", rc=100)
    else:
        mask = session.select(args.if_expr, args.in_range)
        rows = mask if keep else ~mask
        session.data = data[rows].reset_index(drop=True)
        deleted = int((~rows).sum())
        session.write(f"({_plural(deleted, 'observation', 'observations')} deleted)")
    session.changed = True


@command("drop", summary="drop variables (drop varlist) or observations (drop if/in)")
def _drop(session: Session, call: Call) -> None:
    _drop_or_keep(session, call, keep=False)


@command("keep", summary="keep variables (keep varlist) or observations (keep if/in)")
def _keep(session: Session, call: Call) -> None:
    _drop_or_keep(session, call, keep=True)


@command("format", summary="set display formats: format varlist %fmt (e.g. %4.3f)")
def _format(session: Session, call: Call) -> None:
    data = session.require_data()
    words = call.args.split()
    fmts = [w for w in words if w.startswith("%")]
    if len(fmts) != 1 or len(words) < 2:
        raise StataError("format: expected format varlist %fmt", rc=198)
    fmt = parse_format(fmts[0])
    for name in expand_varlist([w for w in words if not w.startswith("%")], list(data.columns)):
        col = data[name]
        numeric = pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        if numeric != fmt.numeric:
            kind = "numeric" if numeric else "string"
            raise StataError(f"format {fmt} invalid for {kind} variable {name}", rc=120)
        session.formats[name] = fmt
    session.changed = True


@command("set", summary="set seed #, set type float|double (set more ... is accepted)")
def _set(session: Session, call: Call) -> None:
    words = call.args.split()
    what = words[0] if words else ""
    if what == "seed" and len(words) == 2 and words[1].isdigit():
        session.rng = np.random.default_rng(int(words[1]))
    elif what == "type" and len(words) == 2 and words[1] in ("float", "double"):
        session.storage = words[1]
    elif what not in ("more", "linesize", "varabbrev", "rmsg", "trace"):
        raise StataError(f"set {' '.join(words)}: fmmpy knows set seed #, set type "
                         "float|double (and ignores set more)", rc=198)


@command("version", 4, summary="accepted and ignored (fmmpy follows Stata 18)")
def _version(session: Session, call: Call) -> None:
    return None

