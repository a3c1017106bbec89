import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AuthContext } from './auth-context.js';
import { AuthHttpError, writeJson } from './auth-error.js';
import { UUID, bearerClaims } from './authenticate.js';
import { checkPasswordStrength, generatedPassword, insertUser, validEmail } from './new-user.js';
import { readJsonBody } from './request-body.js';
import { listUsers, loadUser } from './user-record.js';

/** GoTrue's default `jwt.admin_roles`. */
const ADMIN_ROLES: ReadonlySet<string> = new Set(['service_role', 'supabase_admin']);
const DEFAULT_PER_PAGE = 50;
const MAX_PER_PAGE = 1_000;

/**
 * GoTrue's `requireAdminCredentials` + `requireAdmin`: a bearer token signed with the secret
 * whose `role` is an admin role (the service-role key), else 401 / 403 with GoTrue's texts.
 */
export async function requireAdmin(ctx: AuthContext, req: IncomingMessage): Promise<void> {
  const { role } = await bearerClaims(ctx, req);
  if (typeof role !== 'string' || !ADMIN_ROLES.has(role)) throw new AuthHttpError(403, 'not_admin', 'User not allowed');
}

/** The audience asked for (`X-JWT-AUD`), else GoTrue's default. */
function requestAud(req: IncomingMessage): string {
  const header = req.headers['x-jwt-aud'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && value.length <= 255 ? value : 'authenticated';
}

/** A page number as Go's `strconv.ParseUint` reads it, with its error text. */
function uintParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw)) throw new AuthHttpError(400, 'validation_failed', `Bad Pagination Parameters: strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Math.min(max, Number(raw));
}

/** `GET /admin/users?page&per_page&filter`: `{ users, aud }`, newest first, with `Link` and `X-Total-Count` (GoTrue `adminUsers`). */
export async function adminListUsers(ctx: AuthContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  await requireAdmin(ctx, req);
  const page = Math.max(1, uintParam(url, 'page', 1, Number.MAX_SAFE_INTEGER));
  const perPage = Math.max(1, uintParam(url, 'per_page', DEFAULT_PER_PAGE, MAX_PER_PAGE));
  const filter = (url.searchParams.get('filter') ?? '').slice(0, 255);
  const aud = requestAud(req);
  const { users, total } = await listUsers(ctx.pool, { aud, page, perPage, filter });
  writeJson(res, 200, { users, aud }, { link: paginationLink(url, page, perPage, total), 'x-total-count': String(total) });
}

/** GoTrue `addPaginationHeaders`: `next` when there is a later page, always `last` (query keys sorted, as Go encodes them). */
function paginationLink(url: URL, page: number, perPage: number, total: number): string {
  const totalPages = Math.ceil(total / perPage);
  const at = (n: number) => {
    const query = new URLSearchParams(url.searchParams);
    query.set('page', String(n));
    query.sort();
    return `<${url.pathname.replace(/^\/auth\/v1/, '')}?${query.toString()}>`;
  };
  return `${totalPages > page ? `${at(page + 1)}; rel="next", ` : ''}${at(totalPages)}; rel="last"`;
}

// GoTrue's `AdminUserParams` (phone, password_hash, ban_duration and custom ids are not served locally).
const createBody = z.object({
  email: z.string().max(1024).nullish(),
  phone: z.string().max(64).nullish(),
  password: z.string().max(4096).nullish(),
  password_hash: z.string().max(1024).nullish(),
  email_confirm: z.boolean().nullish(),
  phone_confirm: z.boolean().nullish(),
  user_metadata: z.record(z.string(), z.unknown()).nullish(),
  app_metadata: z.record(z.string(), z.unknown()).nullish(),
  role: z.string().max(255).nullish(),
  aud: z.string().max(255).nullish(),
  id: z.string().max(64).nullish(),
  ban_duration: z.string().max(64).nullish(),
});

/** `POST /admin/users` (GoTrue `adminUserCreate`): the user as JSON. Sign-up settings do not apply. */
export async function adminCreateUser(ctx: AuthContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await requireAdmin(ctx, req);
  const body = await readJsonBody(req, createBody);
  if (!body.email && !body.phone) throw new AuthHttpError(400, 'validation_failed', 'Cannot create a user without either an email or phone');
  if (body.phone) throw new AuthHttpError(400, 'phone_provider_disabled', 'Phone users are not supported by the local Auth');
  if (body.password_hash || body.id || body.ban_duration) {
    throw new AuthHttpError(400, 'validation_failed', 'password_hash, id and ban_duration are not supported by the local Auth');
  }
  const email = validEmail(body.email);
  if (body.password) checkPasswordStrength(body.password);
  const userId = await insertUser(ctx.pool, {
    email,
    password: body.password || generatedPassword(),
    aud: body.aud || requestAud(req),
    role: body.role || 'authenticated',
    userMetadata: body.user_metadata ?? {},
    appMetadata: body.app_metadata ?? {},
    confirmed: body.email_confirm === true,
  });
  if (!userId) throw new AuthHttpError(422, 'email_exists', 'A user with this email address has already been registered');
  const user = await loadUser(ctx.pool, userId);
  if (!user) throw new AuthHttpError(500, 'unexpected_failure', 'Database error creating new user');
  writeJson(res, 200, user.json);
}

/** The `{user_id}` of `/admin/users/{user_id}` (GoTrue `loadUser`: 404 for a malformed or unknown id). */
async function targetUser(ctx: AuthContext, url: URL) {
  const id = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  if (!UUID.test(id)) throw new AuthHttpError(404, 'validation_failed', 'user_id must be an UUID');
  const user = await loadUser(ctx.pool, id);
  if (!user) throw new AuthHttpError(404, 'user_not_found', 'User not found');
  return user;
}

/** `GET /admin/users/{id}`. */
export async function adminGetUser(ctx: AuthContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  await requireAdmin(ctx, req);
  writeJson(res, 200, (await targetUser(ctx, url)).json);
}

const deleteBody = z.object({ should_soft_delete: z.boolean().nullish() });

/** `DELETE /admin/users/{id}` (GoTrue `adminUserDelete`): `{}`; sessions, refresh tokens and identities go with the user. */
export async function adminDeleteUser(ctx: AuthContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  await requireAdmin(ctx, req);
  const user = await targetUser(ctx, url);
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const body = hasBody ? await readJsonBody(req, deleteBody) : {};
  if (body.should_soft_delete) throw new AuthHttpError(400, 'validation_failed', 'Soft deletion is not supported by the local Auth');
  await ctx.pool.query('delete from auth.users where id = $1', [user.json.id]);
  writeJson(res, 200, {});
}
