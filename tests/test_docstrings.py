"""Every docstring example in the installed fmmpy package runs and gives what it says.

Run on the imported package (not the source files) so that it works the same whether
fmmpy is installed normally or in editable mode.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

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
