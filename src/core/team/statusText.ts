// The team sync's state in one line, for the status bar badge's tooltip.
import { formatInt } from '../format';
import type { TeamSyncState } from './teamTypes';

const MAX_ERROR = 160;

/** "Team database: synced at 14:05 to db.example.com/ai_usage", or what is wrong; null when none is connected. */
export function teamSyncLine(s: TeamSyncState, tz?: string): string | null {
  if (!s.connected) return null;
  const where = s.database ?? 'the team database';
  const time = (ts: number) => new Date(ts).toLocaleTimeString('en-US', { timeZone: tz, hour: 'numeric', minute: '2-digit' });
  const pending = s.pending ? `, ${formatInt(s.pending)} rows pending` : '';
  if (s.syncing) return `Team database: syncing to ${where}…`;
  if (s.lastError) {
    const error = s.lastError.length > MAX_ERROR ? `${s.lastError.slice(0, MAX_ERROR - 1)}…` : s.lastError;
    return `Team database: sync failed: ${error}${s.nextAttempt ? ` (trying again at ${time(s.nextAttempt)})` : ''}`;
  }
  if (s.lastSync !== null) return `Team database: synced at ${time(s.lastSync)} to ${where}${pending}`;
  if (s.busyElsewhere) return `Team database: another window is syncing this machine to ${where}`;
  return `Team database: ${where}, not synced yet${pending}`;
}
