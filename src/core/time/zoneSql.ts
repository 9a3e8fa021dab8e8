// A 15-minute UTC slot column turned into a local hour or day number in SQL: the zone's offsets
// within the slots in range become a CASE over slot ranges (a handful of transitions a year), so
// SQL can group rollups straight into local periods.
import type { ZoneClock } from './zoneClock';

export const SLOT_MS = 15 * 60 * 1000;
export const SLOTS_PER_HOUR = 4;
export const SLOTS_PER_DAY = 96;

/** The local bucket (`slotsPerBucket` = 4: hours, 96: days) of `column`, for slots in [fromSlot, toSlot). */
export function localBucketSql(clock: ZoneClock, column: string, fromSlot: number, toSlot: number, slotsPerBucket: number): string {
  const offsets = clock.offsetsBetween(fromSlot * SLOT_MS, toSlot * SLOT_MS);
  const slots = (ms: number) => Math.round(ms / SLOT_MS);
  let off = String(slots(offsets[0].offset));
  if (offsets.length > 1) {
    const whens = offsets.slice(1).map((t, i) => `WHEN ${column} < ${slots(t.at)} THEN ${slots(offsets[i].offset)}`);
    off = `CASE ${whens.join(' ')} ELSE ${slots(offsets[offsets.length - 1].offset)} END`;
  }
  return `((${column} + ${off}) / ${slotsPerBucket})`;
}

/** The local day number of a slot (days since 1970-01-01 on the local calendar). */
export function localDay(clock: ZoneClock, slot: number): number {
  return Math.floor((slot * SLOT_MS + clock.offsetAt(slot * SLOT_MS)) / 86_400_000);
}
