-- qualify store of record, version 1. Runs unchanged on PostgreSQL and on PGlite.
-- Each table with a JSON document also keeps the columns queries need, so the document stays the
-- exact value the pipeline wrote (timestamps keep their original text) and is validated when read.

create table connections (
  id             text primary key,
  system         text not null,
  account_id     text,
  status         text not null default 'active'
                 check (status in ('active', 'paused', 'parked', 'needs_reauth')),
  status_message text,
  parked_until   timestamptz,
  config         jsonb not null default '{}'::jsonb,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);

-- No foreign key to connections: a cursor may be saved before the connection row is, and
-- deleting a connection is a deliberate operator action that cleans up explicitly.
create table sync_cursors (
  connection_id text not null,
  stream        text not null,
  cursor        jsonb not null,
  updated_at    timestamptz not null default now(),
  primary key (connection_id, stream)
);

-- One row per person. `email` is the merge key across systems (normalised, unique when set).
-- `score_id` points at the newest score so listing by score needs no scan of the history.
create table leads (
  id         text primary key,
  email      text unique,
  lead       jsonb not null,
  score_id   bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index leads_updated_idx on leads (updated_at desc, id);

-- One system's view of a person, as last read. `source_updated_at` orders out-of-order
-- deliveries; `source_updated_text` keeps the value exactly as the source sent it.
create table source_records (
  system              text not null,
  record_id           text not null,
  lead_id             text not null references leads (id) on delete cascade,
  lead                jsonb not null,
  source_updated_at   timestamptz,
  source_updated_text text,
  read_at             timestamptz not null default now(),
  primary key (system, record_id)
);
create index source_records_lead_idx on source_records (lead_id);

-- Engagement events, counted once however often they are read: (source, source_id) is unique.
create table lead_events (
  id         bigserial primary key,
  lead_id    text not null references leads (id) on delete cascade,
  source     text not null,
  source_id  text not null,
  type       text not null,
  at         timestamptz not null,
  event      jsonb not null,
  created_at timestamptz not null default now(),
  unique (source, source_id)
);
create index lead_events_lead_idx on lead_events (lead_id, at, id);

-- Every score ever computed, with the model version that computed it.
create table scores (
  id              bigserial primary key,
  lead_id         text not null references leads (id) on delete cascade,
  model_version   text not null,
  fit             double precision not null,
  engagement      double precision not null,
  score           double precision not null,
  grade           text not null,
  band            smallint not null,
  segment         text not null,
  disqualified_by text,
  reasons         text not null,
  contributions   jsonb not null,
  evaluated_at    timestamptz not null,
  result          jsonb not null,
  created_at      timestamptz not null default now()
);
create index scores_lead_idx on scores (lead_id, evaluated_at, id);

-- Current lifecycle stage per lead.
create table lead_lifecycle (
  lead_id       text primary key references leads (id) on delete cascade,
  stage         text not null,
  since         timestamptz not null,
  reason        text not null,
  set_by_person boolean not null,
  state         jsonb not null,
  updated_at    timestamptz not null default now()
);
create index lead_lifecycle_stage_idx on lead_lifecycle (stage);

-- The audit trail: why did this lead become an SQL on Tuesday?
create table stage_transitions (
  id            bigserial primary key,
  lead_id       text not null references leads (id) on delete cascade,
  from_stage    text,
  to_stage      text not null,
  reason        text not null,
  detail        text not null,
  model_version text not null,
  at            timestamptz not null,
  transition    jsonb not null,
  created_at    timestamptz not null default now()
);
create index stage_transitions_lead_idx on stage_transitions (lead_id, at, id);

-- What qualify last wrote to each system record: change detection and echo suppression.
create table write_ledger (
  connection_id text not null,
  record_id     text not null,
  properties    jsonb not null,
  written_at    timestamptz not null default now(),
  primary key (connection_id, record_id)
);

-- Permanent write failures, kept so `qualify status` can show them.
create table write_errors (
  id            bigserial primary key,
  connection_id text not null,
  record_id     text not null,
  status        integer,
  message       text not null,
  payload       jsonb not null default '{}'::jsonb,
  at            timestamptz not null default now()
);
create index write_errors_connection_idx on write_errors (connection_id, id desc);
