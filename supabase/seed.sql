-- Local-mode seed: the demo accounts from DESIGN.md. Passwords are bcrypt hashes made
-- by pgcrypto, as GoTrue stores them. Idempotent (runs on every local start).

insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
values
  ('00000000-0000-4000-8000-00000000a001', 'authenticated', 'authenticated', 'admin@switchyard.local',
   extensions.crypt('switchyard-admin', extensions.gen_salt('bf', 10)), now(),
   '{"provider":"email","providers":["email"],"role":"admin"}', '{"display_name":"Ada Admin"}'),
  ('00000000-0000-4000-8000-00000000a002', 'authenticated', 'authenticated', 'viewer@switchyard.local',
   extensions.crypt('switchyard-viewer', extensions.gen_salt('bf', 10)), now(),
   '{"provider":"email","providers":["email"],"role":"viewer"}', '{"display_name":"Vic Viewer"}'),
  ('00000000-0000-4000-8000-00000000a003', 'authenticated', 'authenticated', 'ops@switchyard.local',
   extensions.crypt('switchyard-ops', extensions.gen_salt('bf', 10)), now(),
   '{"provider":"email","providers":["email"],"role":"viewer","segment":"ops"}', '{"display_name":"Oli Ops"}')
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider)
select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true), 'email'
from auth.users u
where u.email like '%@switchyard.local'
on conflict (provider_id, provider) do nothing;
