from cheatcode_agent.entrypoint.main import main

raise SystemExit(main())
