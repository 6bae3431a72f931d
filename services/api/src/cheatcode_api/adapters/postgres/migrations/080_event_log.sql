-- The audit read model: every domain event, decoded, with who caused it and which request it
-- belonged to (the Cc-Actor / Cc-Correlation-Id envelope headers). ``user_id`` is the user whose
-- data the event is about: the event's own user_id, else the owner of its aggregate.
CREATE TABLE event_log (
    position bigint PRIMARY KEY,
    subject text NOT NULL,
    kind text NOT NULL,
    aggregate_id text NOT NULL,
    type text NOT NULL,
    version integer NOT NULL,
    occurred_at timestamptz NOT NULL,
    actor text,
    correlation_id text,
    user_id text,
    body jsonb NOT NULL
);
CREATE INDEX event_log_user ON event_log (user_id, position);
CREATE INDEX event_log_aggregate ON event_log (kind, aggregate_id, position);
CREATE INDEX event_log_type ON event_log (type, position);
CREATE INDEX event_log_time ON event_log (occurred_at, position);
CREATE INDEX event_log_correlation ON event_log (correlation_id, position) WHERE correlation_id IS NOT NULL;

CREATE TABLE aggregate_owners (
    kind text NOT NULL,
    aggregate_id text NOT NULL,
    user_id text NOT NULL,
    PRIMARY KEY (kind, aggregate_id)
);
