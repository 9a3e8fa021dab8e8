// The team table as CSV: who and where (user, machine), then the columns of this machine's export
// (the project column holds the repository where there is one, as the team table shows it).
import { CSV_COLUMNS, csvFields, csvLine } from '../queries/csvExport';
import type { TeamTableRow } from './teamTypes';

export const TEAM_CSV_HEADER = csvLine(['user', 'machine', ...CSV_COLUMNS]);

export function teamCsvRow(r: TeamTableRow, tz: string): string {
  return csvLine([r.user, r.machine, ...csvFields(r, tz)]);
}
