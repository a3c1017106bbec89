/** `GET /health`, shaped like GoTrue's `HealthCheckResponse`. */
export const HEALTH = {
  version: 'switchyard-local',
  name: 'GoTrue',
  description: 'GoTrue is a user registration and authentication API',
} as const;

const PROVIDERS = [
  'anonymous_users', 'apple', 'azure', 'bitbucket', 'discord', 'facebook', 'snapchat', 'figma', 'fly', 'github', 'gitlab',
  'google', 'keycloak', 'kakao', 'linkedin', 'linkedin_oidc', 'notion', 'spotify', 'slack', 'slack_oidc', 'workos',
  'twitch', 'twitter', 'email', 'phone', 'zoom',
] as const;

/**
 * `GET /settings`, shaped like GoTrue's `Settings`: only email/password is served here and
 * sign-up is off (supabase/config.toml: `[auth.email] enable_signup = false`).
 */
export const SETTINGS = {
  external: Object.fromEntries(PROVIDERS.map((provider) => [provider, provider === 'email'])),
  disable_signup: true,
  mailer_autoconfirm: true,
  phone_autoconfirm: false,
  sms_provider: '',
  saml_enabled: false,
  saml_private_key_next_configured: false,
  passkeys_enabled: false,
} as const;
