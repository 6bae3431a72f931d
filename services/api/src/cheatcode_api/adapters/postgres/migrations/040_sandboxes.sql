-- Read model of sandboxes (projected from the sandbox.* events). One sandbox per project.
CREATE TABLE sandboxes (
    sandbox_id text PRIMARY KEY,
    project_id text NOT NULL,
    user_id text NOT NULL,
    app_type text NOT NULL DEFAULT 'web',
    status text NOT NULL,
    host_instance_id text,
    preview_token text NOT NULL DEFAULT '',
    reason text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX sandboxes_project ON sandboxes (project_id);
