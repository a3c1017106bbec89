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
 * `GET /settings`, shaped like GoTrue's `Settings`: only email/password is served here, with
 * mailer autoconfirm; sign-up follows `enableSignup` (supabase/config.toml `enable_signup`).
 */
export function settings(enableSignup: boolean) {
  return {
    external: Object.fromEntries(PROVIDERS.map((provider) => [provider, provider === 'email'])),
    disable_signup: !enableSignup,
    mailer_autoconfirm: true,
    phone_autoconfirm: false,
    sms_provider: '',
    saml_enabled: false,
    saml_private_key_next_configured: false,
    passkeys_enabled: false,
  } as const;
}
