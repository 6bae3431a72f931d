from cheatcode_integrations.entrypoint.main import main

raise SystemExit(main())
