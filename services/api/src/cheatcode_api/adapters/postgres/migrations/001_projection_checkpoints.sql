-- One row per projection: the EVENTS stream sequence up to which its rows are built.
CREATE TABLE projection_checkpoints (
    name text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
