export async function register() {
  // Fail fast at server start with every missing env key listed, not on the first request.
  const { serverEnv } = await import('@/lib/env');
  serverEnv();
}
