"""Runtime pieces every Cheatcode service uses: event store, NATS connection, service host."""
