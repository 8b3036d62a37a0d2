"""Every docstring example in the installed fmmpy package runs and gives what it says.

Run on the imported package (not the source files) so that it works the same whether
fmmpy is installed normally or in editable mode.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import fmmpy

MODULES = sorted(m.name for m in pkgutil.walk_packages(fmmpy.__path__, "fmmpy.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for test in finder.find(module, name):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} docstring example(s) failed in {name}"


def test_public_functions_have_examples():
    """Every public function and class exported at the top level documents an example."""
    missing = [name for name in fmmpy.__all__
               if callable(getattr(fmmpy, name))
               and ">>>" not in (getattr(fmmpy, name).__doc__ or "")]
    assert not missing, missing


def _documented_objects():
    """Everything the API reference (docs/api.md) documents, with its public members."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text()
    for path in re.findall(r"^::: (\S+)", text, flags=re.M):
        module_name, _, attr = path.rpartition(".")
        try:
            obj = importlib.import_module(path)
        except ImportError:
            obj = getattr(importlib.import_module(module_name), attr)
        yield path, obj
        if inspect.ismodule(obj):
            for name in getattr(obj, "__all__", []):
                member = getattr(obj, name)
                if inspect.isclass(member) or inspect.isfunction(member):
                    yield f"{path}.{name}", member
                    if inspect.isclass(member):
                        yield from _methods(f"{path}.{name}", member)
        elif inspect.isclass(obj):
            yield from _methods(path, obj)


def _methods(path, cls):
    for name, member in vars(cls).items():
        if not name.startswith("_") and inspect.isfunction(member):
            yield f"{path}.{name}", member


def test_api_reference_objects_have_examples():
    """Every function, class and public method in the API reference shows an example
    (which test_docstring_examples runs)."""
    missing = [path for path, obj in _documented_objects()
               if callable(obj) and ">>>" not in (inspect.getdoc(obj) or "")]
    assert not missing, missing
