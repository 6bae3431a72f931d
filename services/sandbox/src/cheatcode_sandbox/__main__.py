"""``python -m cheatcode_sandbox`` runs the sandbox service."""

from cheatcode_sandbox.entrypoint.main import main

raise SystemExit(main())
