from cheatcode_billing.entrypoint.main import main

raise SystemExit(main())
