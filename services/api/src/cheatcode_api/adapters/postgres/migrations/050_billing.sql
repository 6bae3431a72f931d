-- Billing read models, projected from the account.* events (cheatcode_contracts.billing).
-- One row per account that billing has written; a user without a row is the default free
-- plan with its full quota (the API shows that without writing anything).
CREATE TABLE billing_accounts (
    user_id text PRIMARY KEY,
    plan_id text NOT NULL,
    quota_total bigint NOT NULL,
    quota_remaining bigint NOT NULL,
    resets_at timestamptz NOT NULL,
    subscription_provider text,
    subscription_id text,
    subscription_status text,
    subscription_product_id text,
    subscription_period_start timestamptz,
    subscription_period_end timestamptz,
    byok_key_id text,
    byok_display_name text,
    byok_created_at timestamptz,
    opened_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    position bigint NOT NULL  -- the stream sequence of the last event applied (replays skip older ones)
);

-- One row per metered LLM call (TokensCharged), identity run_id + call_index.
CREATE TABLE billing_usage (
    run_id text NOT NULL,
    call_index integer NOT NULL,
    user_id text NOT NULL,
    thread_id text NOT NULL,
    project_id text NOT NULL,
    model text NOT NULL,
    prompt_tokens bigint NOT NULL,
    completion_tokens bigint NOT NULL,
    total_tokens bigint NOT NULL,
    charged_tokens bigint NOT NULL,
    balance_after bigint NOT NULL,
    estimated_cost double precision NOT NULL,
    byok boolean NOT NULL,
    used_at timestamptz NOT NULL,
    position bigint NOT NULL,
    PRIMARY KEY (run_id, call_index)
);
CREATE INDEX billing_usage_user_time ON billing_usage (user_id, used_at DESC, position DESC);
