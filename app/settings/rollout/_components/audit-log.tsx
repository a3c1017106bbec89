import type { AuditEntry } from '@/lib/rollout/server/config-store';
import { Badge } from '@/components/ui';

export function AuditLog({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) return <p className="text-sm text-slate-500">No changes yet: everyone is on the legacy feed.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs text-slate-500 uppercase">
          <tr>
            <th className="py-1 pr-3">When</th>
            <th className="py-1 pr-3">Who</th>
            <th className="py-1 pr-3">Change</th>
            <th className="py-1 pr-3">Why</th>
            <th className="py-1">Version</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td className="py-1.5 pr-3 whitespace-nowrap text-slate-500">{new Date(entry.at).toLocaleString()}</td>
              <td className="py-1.5 pr-3">{entry.automatic ? <Badge tone="warn">automatic</Badge> : entry.actorEmail}</td>
              <td className="py-1.5 pr-3">{entry.action}</td>
              <td className="py-1.5 pr-3 text-slate-600 dark:text-slate-400">{entry.reason}</td>
              <td className="py-1.5 text-slate-500">
                v{entry.fromVersion ?? '–'} → v{entry.toVersion}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
