"""In-memory stand-ins of the API's ports, for unit tests; held to the real adapters by the
conformance suites under tests/support."""
