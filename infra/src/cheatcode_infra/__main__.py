"""``python -m cheatcode_infra`` = the ``cheatcode`` command (how the supervisor starts its own tools)."""

import sys

from cheatcode_infra.cli import main

sys.exit(main())
