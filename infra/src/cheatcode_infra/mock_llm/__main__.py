import sys

from cheatcode_infra.mock_llm.server import main

sys.exit(main())
