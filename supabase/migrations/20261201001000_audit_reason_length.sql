-- An admin's reason is at most 500 characters (the API's schema), but the audit stores more
-- around it: a forced change records the gates it went past and what it exposes, an automatic
-- rollback lists every breach. Leave room for both, still bounded.
alter table public.rollout_audit drop constraint rollout_audit_reason_check;
alter table public.rollout_audit add constraint rollout_audit_reason_check check (char_length(reason) between 1 and 4000);
