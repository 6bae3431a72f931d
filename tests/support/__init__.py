"""Test support shared by unit, integration and e2e suites."""
