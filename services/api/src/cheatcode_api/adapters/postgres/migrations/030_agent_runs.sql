-- Read model of agent runs (projected from the run.* lifecycle events). Statuses follow
-- cheatcode_contracts.runs.status_after: running, stopping, completed, failed, stopped.
CREATE TABLE agent_runs (
    run_id text PRIMARY KEY,
    thread_id text NOT NULL,
    project_id text NOT NULL,
    user_id text NOT NULL,
    status text NOT NULL,
    model_name text,
    worker_id text,
    started_at timestamptz,
    completed_at timestamptz,
    error text,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX agent_runs_thread ON agent_runs (thread_id, created_at DESC);
CREATE INDEX agent_runs_active ON agent_runs (project_id) WHERE status IN ('running', 'stopping');
