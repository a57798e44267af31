"""``python -m socialfeed``: the same as the ``socialfeed`` command."""

import sys

from socialfeed.cli import main

sys.exit(main())
