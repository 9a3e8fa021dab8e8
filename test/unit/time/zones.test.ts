import { strict as assert } from 'node:assert';
import { periodMapper } from '../../../src/core/queries/aggregate';
import { fromLocal, offsetMs, periodOf, type Granularity } from '../../../src/core/time/calendar';
import { ZoneClock } from '../../../src/core/time/zoneClock';
import { localDay, SLOT_MS } from '../../../src/core/time/zoneSql';
import { rng } from '../../support/rng';

// Zones with every kind of offset: whole hours, +5:30, +5:45, +12:45, -3:30, 30-minute DST (Lord
// Howe), negative DST (Dublin), DST changes that move with Ramadan (Casablanca), none (Tokyo, UTC).
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'America/St_Johns', 'Asia/Kolkata', 'Asia/Kathmandu', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Europe/Dublin', 'Africa/Casablanca', 'Asia/Tokyo', 'America/Santiago'];

describe('time zones', () => {
  it('a local time during a fall back is the earlier instant; after it, the single one; a skipped one moves forward', () => {
    // New York falls back on 2026-11-01 at 02:00 EDT (06:00Z) to 01:00 EST.
    assert.equal(fromLocal(2026, 11, 1, 1, 'America/New_York'), Date.UTC(2026, 10, 1, 5), '01:00 happens twice: the first (EDT)');
    assert.equal(fromLocal(2026, 11, 1, 2, 'America/New_York'), Date.UTC(2026, 10, 1, 7), '02:00 EST, once');
    // 2026-03-08 02:00 does not exist in New York (02:00 EST jumps to 03:00 EDT).
    assert.equal(fromLocal(2026, 3, 8, 2, 'America/New_York'), Date.UTC(2026, 2, 8, 7), 'shifted forward to 03:00 EDT');
    assert.equal(ZoneClock.of('America/New_York').fromLocal(Date.UTC(2026, 10, 1, 2)), Date.UTC(2026, 10, 1, 7));
  });

  it('the transition list gives the same offsets as Intl, to the minute, across years', () => {
    const r = rng(3);
    for (const tz of ZONES) {
      const clock = ZoneClock.of(tz);
      for (let i = 0; i < 400; i++) {
        const t = Date.UTC(2024, 0, 1) + Math.floor((r() * 4 * 365 * 86400_000) / 60_000) * 60_000;
        assert.equal(clock.offsetAt(t), offsetMs(t, tz), `${tz} at ${new Date(t).toISOString()}`);
      }
    }
  });

  it('15-minute slots fold into the same local hours, days, weeks and months as the calendar says', () => {
    const r = rng(9);
    for (const tz of ZONES) {
      const clock = ZoneClock.of(tz);
      for (const g of ['hour', 'day', 'week', 'month'] as Granularity[]) {
        const map = periodMapper(clock, g);
        for (let i = 0; i < 150; i++) {
          const slot = Math.floor((Date.UTC(2025, 0, 1) + r() * 2 * 365 * 86400_000) / SLOT_MS);
          const ts = slot * SLOT_MS;
          const bucket = g === 'hour' ? Math.floor((ts + clock.offsetAt(ts)) / 3600_000) : localDay(clock, slot);
          assert.deepEqual(map(bucket), periodOf(ts, g, tz), `${tz} ${g} ${new Date(ts).toISOString()}`);
        }
      }
    }
  });
});
