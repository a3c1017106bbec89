'use client';

import { useState } from 'react';
import useSWR from 'swr';
import { describeCommand, type RolloutCommand } from '@/lib/rollout/commands';
import type { BlastRadius } from '@/lib/rollout/blast-radius';
import { FetchError, postJson } from '@/lib/swr/fetcher';
import { Badge, Button, Card, inputClass } from '@/components/ui';

type Preview = BlastRadius & { exposure: { known: number; unseen: number; because: string[]; gated: boolean } };

/**
 * The pending change before it is saved: what it does, who moves (blast radius), and
 * why (required). Nothing is saved until the admin confirms here.
 */
// eslint-disable-next-line max-lines-per-function -- one page section's JSX tree, read top to bottom; its state and actions are in hooks and lib/rollout.
export function ReviewPanel({
  commands,
  danger,
  onSave,
  onDiscard,
}: {
  commands: RolloutCommand[];
  danger: boolean;
  onSave: (reason: string, force: boolean) => Promise<void>;
  onDiscard: () => void;
}) {
  // The preview is a resource keyed by the proposed commands: SWR refetches when they change.
  const { data: preview, error: previewFailure } = useSWR(['/api/rollout/preview', JSON.stringify(commands)], ([url, body]) => postJson<Preview>(url, { commands: JSON.parse(body) as RolloutCommand[] }), {
    revalidateOnFocus: false,
  });
  const previewError = previewFailure ? (previewFailure instanceof Error ? previewFailure.message : String(previewFailure)) : null;
  const [reason, setReason] = useState('');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [gateRefused, setGateRefused] = useState(false);
  const [force, setForce] = useState(false);

  async function save() {
    setSaving(true);
    setSaveError(null);
    try {
      await onSave(reason, force);
      setReason('');
      setForce(false);
      setGateRefused(false);
    } catch (error) {
      setSaveError(error instanceof Error ? error.message : String(error));
      setGateRefused(error instanceof FetchError && error.code === 'gate_failed');
    } finally {
      setSaving(false);
    }
  }

  return (
    <Card title="Review change" className={danger ? 'border-red-400 dark:border-red-700' : 'border-brand-500'}>
      <ul className="mb-3 list-inside list-disc text-sm">
        {commands.map((command, index) => (
          <li key={index}>{describeCommand(command)}</li>
        ))}
      </ul>
      <div className="mb-3 rounded-md bg-slate-50 p-3 text-sm dark:bg-slate-950" aria-label="Blast radius">
        {previewError ? <p className="text-red-600">Preview failed: {previewError}</p> : null}
        {!preview && !previewError ? <p className="text-slate-500">Computing who would move…</p> : null}
        {preview ? (
          <>
            <p>
              <strong>{preview.moves.length}</strong> of {preview.known} known users change cohort;{' '}
              <strong>{preview.transportChanges}</strong> switch the transport that renders their dashboard.
            </p>
            <p className="mt-1 text-xs text-slate-500">
              legacy {preview.before.legacy} → {preview.after.legacy} · shadow {preview.before.shadow} → {preview.after.shadow} · realtime {preview.before.realtime} →{' '}
              {preview.after.realtime}
            </p>
            {preview.exposure.gated ? (
              <p className="mt-1 text-amber-800 dark:text-amber-300" aria-label="Exposure">
                Puts more users on Realtime ({preview.exposure.because.join('; ')}): {preview.exposure.known} known{preview.exposure.unseen > 0 ? ' and users not seen yet' : ''}. Saved only while every gate passes, or forced.
              </p>
            ) : null}
            {Object.keys(preview.bySegment).length > 0 ? (
              <p className="mt-1 flex flex-wrap gap-1">
                {Object.entries(preview.bySegment).map(([segment, count]) => (
                  <Badge key={segment}>
                    {segment}: {count}
                  </Badge>
                ))}
              </p>
            ) : null}
            {preview.moves.length > 0 ? (
              <ul className="mt-2 max-h-32 overflow-auto text-xs text-slate-600 dark:text-slate-400">
                {preview.moves.slice(0, 50).map((move) => (
                  <li key={move.userId}>
                    {move.email ?? move.userId}: {move.from} → {move.to}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : null}
      </div>
      <label className="block text-sm">
        <span className="font-medium">Reason (goes to the audit log)</span>
        <input value={reason} onChange={(event) => setReason(event.target.value)} className={`mt-1 w-full ${inputClass}`} placeholder="e.g. consistency 99.97 % over 12,400 events" />
      </label>
      {saveError ? (
        <p role="alert" className="mt-2 text-sm text-red-600">
          {saveError}
        </p>
      ) : null}
      {gateRefused ? (
        <label className="mt-2 flex items-center gap-2 text-sm text-red-700 dark:text-red-400">
          <input type="checkbox" checked={force} onChange={(event) => setForce(event.target.checked)} />
          Force past the gates (recorded as FORCED in the audit log)
        </label>
      ) : null}
      <div className="mt-3 flex gap-2">
        <Button variant={danger ? 'danger' : 'primary'} onClick={() => void save()} disabled={saving || reason.trim().length < 3}>
          {saving ? 'Saving…' : danger ? 'Confirm' : 'Save change'}
        </Button>
        <Button onClick={onDiscard} disabled={saving}>
          Discard
        </Button>
      </div>
    </Card>
  );
}
