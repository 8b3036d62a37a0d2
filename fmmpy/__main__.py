"""``python -m fmmpy``: see :mod:`fmmpy.cli`."""

import sys

from .cli import main

sys.exit(main())
