import type { AuditEntry } from '@/lib/rollout/server/config-store';
import { Badge } from '@/components/ui';

/** Every saved change: when, who (by email), what changed before → after, why, and the versions. */
export function AuditLog({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) return <p className="text-sm text-slate-500">No changes yet: everyone is on the legacy feed.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label="Audit log">
        <thead className="text-xs text-slate-500 uppercase">
          <tr>
            <th className="py-1 pr-3">When</th>
            <th className="py-1 pr-3">Who</th>
            <th className="py-1 pr-3">Change (before → after)</th>
            <th className="py-1 pr-3">Why</th>
            <th className="py-1">Version</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top dark:divide-slate-800">
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td className="py-1.5 pr-3 whitespace-nowrap text-slate-500">{new Date(entry.at).toLocaleString()}</td>
              <td className="py-1.5 pr-3">{entry.automatic ? <Badge tone="warn">automatic</Badge> : entry.actorEmail}</td>
              <td className="py-1.5 pr-3">
                <div>{entry.action}</div>
                {entry.changes.length > 0 ? (
                  <ul className="mt-0.5 space-y-0.5 text-xs text-slate-600 dark:text-slate-400" aria-label="Before → after">
                    {entry.changes.slice(0, 12).map((change) => (
                      <li key={change.field} className="break-words">
                        <span className="font-medium">{change.field}</span>: <span className="line-through decoration-slate-400">{change.before}</span> → {change.after}
                      </li>
                    ))}
                    {entry.changes.length > 12 ? <li>and {entry.changes.length - 12} more</li> : null}
                  </ul>
                ) : null}
              </td>
              <td className="py-1.5 pr-3 text-slate-600 dark:text-slate-400">{entry.reason}</td>
              <td className="py-1.5 whitespace-nowrap text-slate-500">
                v{entry.fromVersion ?? '–'} → v{entry.toVersion}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
