"""Pure logic of the API: identifiers, paging rules and read-model rows. No I/O."""
