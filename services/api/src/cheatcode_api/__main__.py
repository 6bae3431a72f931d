"""``python -m cheatcode_api`` runs the API on CHEATCODE_API_HOST:CHEATCODE_API_PORT."""

from cheatcode_api.entrypoint.main import main

raise SystemExit(main())
