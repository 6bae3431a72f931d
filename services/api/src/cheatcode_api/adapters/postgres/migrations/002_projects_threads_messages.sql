-- Read models of projects, threads and their messages (projected from the EVENTS stream).
-- Ids are text: they come from events; the HTTP layer only accepts UUIDs.
CREATE TABLE projects (
    project_id text PRIMARY KEY,
    user_id text NOT NULL,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    app_type text NOT NULL DEFAULT 'web',
    model_name text,
    is_public boolean NOT NULL DEFAULT false,
    sandbox jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX projects_user_created ON projects (user_id, created_at DESC, project_id);

CREATE TABLE threads (
    thread_id text PRIMARY KEY,
    project_id text NOT NULL,
    user_id text NOT NULL,
    is_public boolean NOT NULL DEFAULT false,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX threads_user_updated ON threads (user_id, updated_at DESC, thread_id);
CREATE INDEX threads_project_updated ON threads (project_id, updated_at DESC, thread_id);

CREATE TABLE messages (
    message_id text PRIMARY KEY,
    thread_id text NOT NULL,
    position bigint NOT NULL,  -- stream sequence: a total order, unlike timestamps
    type text NOT NULL,
    is_llm_message boolean NOT NULL,
    content jsonb,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    agent_run_id text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX messages_thread_position ON messages (thread_id, position);
