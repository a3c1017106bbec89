-- Broadcast from Database for the two monitoring streams: Supabase's recommended Realtime
-- path beside postgres_changes. Every committed row (or every ingest batch, see `envelope`)
-- becomes a private broadcast on `monitoring:<table>`; signed-in users may receive those
-- topics; nobody may send on them through the API (no INSERT policy). Applies unchanged with
-- the Supabase CLI to a hosted project (the `realtime` schema is Supabase's own there).

-- Which envelope the triggers send. One row; changed by the operator (service role / SQL):
--   'row'   one message per row (realtime.broadcast_changes), event 'INSERT'
--   'batch' one message per ingest statement and stream (all rows of that transaction,
--           in chunks of at most 100 rows), event 'batch', payload { table, rows: [...] }
--   'off'   no database broadcasts
create table public.monitoring_broadcast_settings (
  singleton boolean primary key default true check (singleton),
  envelope text not null default 'row' check (envelope in ('row', 'batch', 'off')),
  updated_at timestamptz not null default now()
);
insert into public.monitoring_broadcast_settings (singleton) values (true);
alter table public.monitoring_broadcast_settings enable row level security;
revoke all on public.monitoring_broadcast_settings from anon, authenticated;
grant select on public.monitoring_broadcast_settings to authenticated;
create policy "signed-in users read the broadcast envelope" on public.monitoring_broadcast_settings
  for select to authenticated using (true);
grant all on public.monitoring_broadcast_settings to service_role;

create function public.monitoring_broadcast_envelope() returns text
language sql stable security definer set search_path = '' as $$
  select coalesce((select envelope from public.monitoring_broadcast_settings where singleton), 'row');
$$;

-- Per row: Supabase's broadcast_changes payload { record, old_record, operation, table, schema }.
create function public.monitoring_broadcast_row() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if public.monitoring_broadcast_envelope() = 'row' then
    perform realtime.broadcast_changes('monitoring:' || tg_table_name, tg_op, tg_op, tg_table_name, tg_table_schema, new, old, tg_level);
  end if;
  return null;
end;
$$;

-- Per ingest statement: the inserted rows in id order, 100 per message.
create function public.monitoring_broadcast_batch() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  chunk jsonb;
begin
  if public.monitoring_broadcast_envelope() <> 'batch' then
    return null;
  end if;
  for chunk in
    select jsonb_agg(to_jsonb(r) - 'ord' order by r.id)
      from (select i.*, (row_number() over (order by i.id) - 1) / 100 as ord from inserted i) r
     group by r.ord
     order by r.ord
  loop
    perform realtime.send(jsonb_build_object('table', tg_table_name, 'rows', chunk), 'batch', 'monitoring:' || tg_table_name, true);
  end loop;
  return null;
end;
$$;

revoke all on function public.monitoring_broadcast_envelope(), public.monitoring_broadcast_row(), public.monitoring_broadcast_batch() from public, anon, authenticated;

create trigger cache_metrics_broadcast_row after insert on public.cache_metrics
  for each row execute function public.monitoring_broadcast_row();
create trigger system_events_broadcast_row after insert on public.system_events
  for each row execute function public.monitoring_broadcast_row();
create trigger cache_metrics_broadcast_batch after insert on public.cache_metrics
  referencing new table as inserted for each statement execute function public.monitoring_broadcast_batch();
create trigger system_events_broadcast_batch after insert on public.system_events
  referencing new table as inserted for each statement execute function public.monitoring_broadcast_batch();

-- Receive: any signed-in user, on the two monitoring topics only. Send: no policy, so no one.
create policy "signed-in users receive monitoring broadcasts" on realtime.messages
  for select to authenticated
  using (realtime.topic() in ('monitoring:cache_metrics', 'monitoring:system_events') and extension = 'broadcast');
