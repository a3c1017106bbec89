import 'server-only';
import { ApiError } from '@/lib/api/api-error';
import { db } from '@/lib/db/pool';

/**
 * Lets a quarantined subject's evidence count again. Its evidence from before the release
 * no longer quarantines it by itself; new evidence as far out of line does.
 */
export async function releaseFromQuarantine(subject: string, admin: string): Promise<{ released: string }> {
  const result = await db().query('update public.validation_quarantine set released_at = now(), released_by = $2 where subject = $1 and released_at is null', [subject, admin]);
  if (result.rowCount === 0) throw new ApiError('not_found', `subject: "${subject}" is not quarantined`);
  return { released: subject };
}
