-- Nobody but the database sends on the monitoring topics, whatever INSERT policies on
-- realtime.messages a later migration adds for other topics: permissive policies are OR-ed,
-- a restrictive one is AND-ed with them. (The triggers send as the table owner through
-- realtime.send / broadcast_changes, which RLS does not restrict.)
create policy "nobody sends on the monitoring topics" on realtime.messages
  as restrictive
  for insert to anon, authenticated
  with check (realtime.topic() not like 'monitoring:%');
