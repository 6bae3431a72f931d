-- Events a projection could not apply (bad data, undecodable payload): skipped, kept for operators.
CREATE TABLE projection_failures (
    name text NOT NULL,
    position bigint NOT NULL,
    event_type text,
    subject text NOT NULL,
    error text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, position)
);
