-- Read model of Composio credential profiles (projected from credential_profile.* events on
-- cc.evt.credential_profiles.<owner_key>). The connection config is not here: it stays sealed in
-- the events and is opened only by the integrations service.
CREATE TABLE composio_profiles (
    profile_id text PRIMARY KEY,
    user_id text NOT NULL,
    toolkit_slug text NOT NULL,
    toolkit_name text NOT NULL,
    profile_name text NOT NULL,
    display_name text NOT NULL,
    connected_account_id text NOT NULL,
    enabled_tools jsonb NOT NULL DEFAULT '[]',
    is_active boolean NOT NULL,
    is_default boolean NOT NULL,
    is_default_for_dashboard boolean NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    last_used_at timestamptz
);
CREATE INDEX composio_profiles_user ON composio_profiles (user_id, created_at DESC);
CREATE INDEX composio_profiles_name ON composio_profiles (user_id, toolkit_slug, profile_name);
