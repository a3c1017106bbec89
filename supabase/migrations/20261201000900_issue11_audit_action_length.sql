-- The audit log must hold every change the admin API accepts: up to 20 commands per change,
-- the longest summaries (an override of a 128-character user id, a segment with a 40-character
-- id and an 80-character name) are ~150 characters, so a full change is ~3,100 characters.
-- The old bound (500) turned a valid 20-override change into a check violation (a 500).
alter table public.rollout_audit drop constraint rollout_audit_action_check;
alter table public.rollout_audit add constraint rollout_audit_action_check check (char_length(action) between 1 and 4000);
