-- Read models of deployments (projected from the deployment.* events on cc.evt.deployment.<project_id>).
-- One row per deployment request, and one summary per project (what deployment/status shows).
CREATE TABLE deployments (
    deployment_id text PRIMARY KEY,
    project_id text NOT NULL,
    user_id text NOT NULL,
    state text NOT NULL,                 -- queued, preparing, pushing, building, deployed, failed, superseded
    message text NOT NULL DEFAULT '',
    attempt integer NOT NULL DEFAULT 0,
    file_count integer,
    vercel_deployment_id text,
    vercel_project_name text,
    url text,                            -- no scheme, as Vercel gives it
    raw_state text,                      -- Vercel's readyState
    error text,
    requested_at timestamptz NOT NULL,
    created_at timestamptz,              -- when Vercel accepted it
    ready_at timestamptz,
    updated_at timestamptz NOT NULL
);
CREATE INDEX deployments_project ON deployments (project_id, requested_at DESC);

CREATE TABLE project_deployments (
    project_id text PRIMARY KEY,
    user_id text NOT NULL,
    latest_deployment_id text,           -- the newest request that was not superseded
    vercel_project_name text,
    vercel_project_id text,
    last_deployment_id text,             -- Vercel's id of the last created deployment
    url text,
    updated_at timestamptz NOT NULL
);
CREATE INDEX project_deployments_deployed ON project_deployments (user_id) WHERE last_deployment_id IS NOT NULL;
