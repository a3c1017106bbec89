'use client';

import { useState } from 'react';
import type { RolloutCommand } from '@/lib/rollout/commands';
import { BROWSER_FAMILIES, COHORTS, segmentSchema, type Cohort, type Segment } from '@/lib/rollout/config';
import { Badge, Button, inputClass } from '@/components/ui';

const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);

function describeRule(segment: Segment): string {
  const { rule } = segment;
  const parts = [
    rule.emailDomains.length ? `email @${rule.emailDomains.join(', @')}` : '',
    rule.roles.length ? `role ${rule.roles.join('/')}` : '',
    rule.browsers.length ? `browser ${rule.browsers.join('/')}` : '',
    rule.segments.length ? `segment ${rule.segments.join('/')}` : '',
    rule.userIds.length ? `${rule.userIds.length} listed users` : '',
  ].filter(Boolean);
  return parts.join(' and ') || 'matches nobody';
}

/** Segment rules (email domain, role, browser, segment label, user list) → cohort. */
export function SegmentsEditor({ segments, onPropose }: { segments: Segment[]; onPropose: (command: RolloutCommand) => void }) {
  const [draft, setDraft] = useState({ id: '', name: '', cohort: 'realtime' as Cohort, emailDomains: '', roles: '', browsers: '', segments: '', userIds: '' });
  const [error, setError] = useState<string | null>(null);

  function add() {
    const parsed = segmentSchema.safeParse({
      id: draft.id,
      name: draft.name,
      enabled: true,
      cohort: draft.cohort,
      rule: { emailDomains: list(draft.emailDomains), roles: list(draft.roles), browsers: list(draft.browsers), segments: list(draft.segments), userIds: list(draft.userIds) },
    });
    if (!parsed.success) {
      setError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      return;
    }
    setError(null);
    onPropose({ type: 'upsert-segment', segment: parsed.data });
  }

  const field = (key: keyof typeof draft, label: string, placeholder: string) => (
    <label className="text-xs">
      <span className="text-slate-500">{label}</span>
      <input value={draft[key]} onChange={(event) => setDraft({ ...draft, [key]: event.target.value })} placeholder={placeholder} className={`mt-0.5 w-full ${inputClass}`} />
    </label>
  );

  return (
    <div>
      {segments.length === 0 ? <p className="mb-2 text-sm text-slate-500">No segment rules.</p> : null}
      <ul className="mb-3 space-y-2 text-sm">
        {segments.map((segment) => (
          <li key={segment.id} className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-slate-200 p-2 dark:border-slate-800">
            <span>
              <strong>{segment.name}</strong> <span className="text-xs text-slate-500">({segment.id})</span> → <Badge>{segment.cohort}</Badge>{' '}
              {!segment.enabled ? <Badge tone="warn">disabled</Badge> : null}
              <span className="block text-xs text-slate-500">{describeRule(segment)}</span>
            </span>
            <span className="flex gap-1">
              <Button onClick={() => onPropose({ type: 'upsert-segment', segment: { ...segment, enabled: !segment.enabled } })}>{segment.enabled ? 'Disable' : 'Enable'}</Button>
              <Button onClick={() => onPropose({ type: 'remove-segment', segmentId: segment.id })}>Remove</Button>
            </span>
          </li>
        ))}
      </ul>
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        {field('id', 'id', 'ops-team')}
        {field('name', 'name', 'Ops team')}
        <label className="text-xs">
          <span className="text-slate-500">cohort</span>
          <select value={draft.cohort} onChange={(event) => setDraft({ ...draft, cohort: event.target.value as Cohort })} className={`mt-0.5 w-full ${inputClass}`}>
            {COHORTS.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        {field('emailDomains', 'email domains', 'example.com')}
        {field('roles', 'roles', 'admin, viewer')}
        {field('browsers', 'browsers', BROWSER_FAMILIES.join(', '))}
        {field('segments', 'segment labels', 'ops')}
        {field('userIds', 'user ids', 'uuid, uuid')}
      </div>
      {error ? <p className="mt-2 text-sm text-red-600">{error}</p> : null}
      <Button className="mt-2" onClick={add} disabled={!draft.id || !draft.name}>
        Add / replace segment
      </Button>
    </div>
  );
}
