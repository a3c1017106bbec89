/**
 * What a request is, for the middleware: the one list of paths deciding who needs a session
 * and who gets a cohort. (`middleware.ts` keeps its own matcher literal — Next reads it
 * statically — which only keeps static files out.)
 */
export type RequestKind =
  /** Assets, the icon, Next's own files: no session, no cohort. */
  | 'asset'
  /** API routes authenticate callers themselves (401s, never a redirect) and need no cohort. */
  | 'api'
  /** The sign-in page: the session is refreshed, nobody is sent away, no cohort. */
  | 'sign-in'
  /** Pages anyone may open (the `/.well-known/` ones): bucketed, signed in or not (anonymous visitors by their id cookie). */
  | 'public-page'
  /** Every other page: a signed-in user, bucketed into a cohort. */
  | 'page';

const KINDS: Array<[RegExp, RequestKind]> = [
  [/^\/(_next\/|favicon|icon\.svg$)/, 'asset'],
  [/^\/api\//, 'api'],
  [/^\/login(\/|$)/, 'sign-in'],
  [/^\/\.well-known\//, 'public-page'],
];

export function requestKind(pathname: string): RequestKind {
  return KINDS.find(([pattern]) => pattern.test(pathname))?.[1] ?? 'page';
}

/** Whether visitors of this kind of request are bucketed into a rollout cohort. */
export const getsCohort = (kind: RequestKind) => kind === 'page' || kind === 'public-page';
