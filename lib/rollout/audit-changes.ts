/** One changed setting of an audited config change, as a viewer reads it. */
export interface AuditChange {
  field: string;
  before: string;
  after: string;
}

// Bookkeeping that changes with every save; the audit row already shows version and time.
const BOOKKEEPING = new Set(['version', 'updatedAt', 'updatedBy', 'stageSince']);

const show = (value: unknown): string => (value === undefined ? '–' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * What an audited change did, before → after, setting by setting: every top-level setting
 * that differs (new settings included without code here), overrides per user and segments
 * per id. User ids are named by `name` (their email when known). Pure.
 */
export function auditChanges(before: Record<string, unknown> | null, after: Record<string, unknown>, name: (userId: string) => string = (id) => id): AuditChange[] {
  const changes: AuditChange[] = [];
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].filter((key) => !BOOKKEEPING.has(key));
  for (const key of keys) {
    const a = before?.[key];
    const b = after[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (key === 'overrides') changes.push(...recordChanges('override', asRecord(a), asRecord(b), name));
    else if (key === 'segments') changes.push(...segmentChanges(asList(a), asList(b), name));
    else changes.push({ field: key, before: show(a), after: show(b) });
  }
  return changes;
}

const asRecord = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const asList = (value: unknown) => (Array.isArray(value) ? (value as Array<Record<string, unknown>>) : []);

function recordChanges(label: string, a: Record<string, unknown>, b: Record<string, unknown>, name: (userId: string) => string): AuditChange[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((id) => JSON.stringify(a[id]) !== JSON.stringify(b[id]))
    .sort()
    .map((id) => ({ field: `${label} ${name(id)}`, before: show(a[id]), after: show(b[id]) }));
}

function segmentChanges(a: Array<Record<string, unknown>>, b: Array<Record<string, unknown>>, name: (userId: string) => string): AuditChange[] {
  const byId = (list: Array<Record<string, unknown>>) => new Map(list.map((segment) => [String(segment.id), segment]));
  const [was, now] = [byId(a), byId(b)];
  const describe = (segment: Record<string, unknown> | undefined) => {
    if (!segment) return '–';
    const rule = asRecord(segment.rule);
    const ids = Array.isArray(rule.userIds) ? (rule.userIds as string[]) : [];
    const users = ids.slice(0, 5).map(name).join(', ') + (ids.length > 5 ? ` and ${ids.length - 5} more` : '');
    return `${show(segment.name)} → ${show(segment.cohort)}${segment.enabled === false ? ' [disabled]' : ''}${ids.length ? ` (users ${users})` : ''}`;
  };
  return [...new Set([...was.keys(), ...now.keys()])]
    .filter((id) => JSON.stringify(was.get(id)) !== JSON.stringify(now.get(id)))
    .sort()
    .map((id) => ({ field: `segment ${id}`, before: describe(was.get(id)), after: describe(now.get(id)) }));
}
