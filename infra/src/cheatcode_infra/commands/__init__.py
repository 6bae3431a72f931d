"""One module per ``cheatcode`` subcommand (see ``cheatcode_infra.cli``)."""
