"""The ``socialfeed`` command: the outbox relay and stream workers as processes of their own.

```text
socialfeed relay  --database URL --redis URL [--stream NAME] [--batch-size N]
socialfeed worker --database URL --redis URL --group NAME [--name NAME] [--handler NAME ...]
socialfeed outbox --database URL {status,deliver-pending,purge}
```

Each area brings its own commands (today the outbox's, in
`socialfeed.outbox.commands`); this module parses the line and runs one.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from socialfeed.outbox import commands as outbox_commands

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="socialfeed", description=__doc__.split("\n")[0])
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    outbox_commands.register(parser.add_subparsers(required=True, metavar="command"))
    return parser


if __name__ == "__main__":
    sys.exit(main())
