-- qualify store of record, version 2: workspaces. One deployment serves several teams; each owns
-- its connections, leads, scoring models and API keys. Everything stored before this migration
-- belongs to the workspace 'default' (where env-configured connections live), so an upgraded
-- installation keeps working unchanged. Runs unchanged on PostgreSQL and on PGlite.

create table workspaces (
  id         text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name       text not null,
  created_at timestamptz not null default now()
);
insert into workspaces (id, name) values ('default', 'Default workspace');

-- Only a SHA-256 hash of each key is kept (a key has 256 random bits, so a plain hash is enough:
-- there is nothing to guess); the prefix lets an operator recognise a key in a list.
create table api_keys (
  id           text primary key,
  workspace_id text not null references workspaces (id) on delete cascade,
  name         text not null,
  prefix       text not null,
  key_hash     text not null unique,
  created_at   timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
create index api_keys_workspace_idx on api_keys (workspace_id, created_at, id);

-- Connection ids stay unique across workspaces: queues, Redis keys and job ids use them alone.
alter table connections add column workspace_id text not null default 'default' references workspaces (id);
create index connections_workspace_idx on connections (workspace_id, id);
-- Webhook routing: HubSpot portal id / Salesforce org id → connection. Not unique: an old
-- database may hold two connections to one account; routing takes the oldest.
create index connections_account_idx on connections (system, account_id, created_at) where account_id is not null;

-- Secrets of a connection (OAuth tokens), only ever as SecretBox ciphertext (AES-256-GCM).
create table connection_credentials (
  connection_id text primary key references connections (id) on delete cascade,
  workspace_id  text not null,
  ciphertext    text not null,
  updated_at    timestamptz not null default now()
);

-- Lead tables: no foreign key to workspaces on the hot path (every record of a backfill would
-- pay the check); the workspace comes from the store view, never from input.
alter table leads add column workspace_id text not null default 'default';
-- The merge key is per workspace: two teams may each have a lead for the same person.
alter table leads drop constraint leads_email_key;
create unique index leads_workspace_email_key on leads (workspace_id, email);
drop index leads_updated_idx;
create index leads_workspace_updated_idx on leads (workspace_id, updated_at desc, id);
create index leads_workspace_id_idx on leads (workspace_id, id);

-- HubSpot record ids repeat across portals, so the record key includes the workspace.
alter table source_records add column workspace_id text not null default 'default';
alter table source_records drop constraint source_records_pkey;
alter table source_records add primary key (workspace_id, system, record_id);

-- An event read by two workspaces (same portal connected twice) counts once in each.
alter table lead_events add column workspace_id text not null default 'default';
alter table lead_events drop constraint lead_events_source_source_id_key;
alter table lead_events add constraint lead_events_workspace_source_key unique (workspace_id, source, source_id);

-- Scores, stages and transitions carry the workspace too, so the funnel and analytics of one
-- workspace read their own index range instead of joining every lead.
alter table scores add column workspace_id text not null default 'default';
alter table lead_lifecycle add column workspace_id text not null default 'default';
drop index lead_lifecycle_stage_idx;
create index lead_lifecycle_workspace_stage_idx on lead_lifecycle (workspace_id, stage);
alter table stage_transitions add column workspace_id text not null default 'default';
create index stage_transitions_workspace_at_idx on stage_transitions (workspace_id, at);

-- Keyed by connection id (unique across workspaces); the workspace column lets a view check that
-- a row is its own without a join, and an upsert from another workspace never overwrites it.
alter table sync_cursors add column workspace_id text not null default 'default';
alter table write_ledger add column workspace_id text not null default 'default';
alter table write_errors add column workspace_id text not null default 'default';
create index write_errors_workspace_idx on write_errors (workspace_id, id desc);

-- Versions of a workspace's scoring model (the YAML as uploaded). `activation_seq` orders the
-- activations within a workspace, so a rollback finds the version that was active before;
-- `rolled_back_at` keeps a rolled-back version from being picked by the next rollback.
create table scoring_models (
  id             text primary key,
  workspace_id   text not null references workspaces (id) on delete cascade,
  version_id     text not null,
  name           text not null,
  status         text not null default 'draft' check (status in ('draft', 'published', 'retired')),
  active         boolean not null default false,
  yaml           text not null,
  activation_seq bigint,
  rolled_back_at timestamptz,
  created_at     timestamptz not null default now(),
  published_at   timestamptz
);
create index scoring_models_workspace_idx on scoring_models (workspace_id, created_at desc, id);
-- At most one active version per workspace, enforced by the database.
create unique index scoring_models_active_idx on scoring_models (workspace_id) where active;
