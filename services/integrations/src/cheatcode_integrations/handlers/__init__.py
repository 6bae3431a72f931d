"""One module per use case: async functions taking a command and the ports they need."""
