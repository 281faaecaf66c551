"""``python -m skimbal.benchmark``: the same as ``skimbal-bench``."""

import sys

from ._cli import main

sys.exit(main())
