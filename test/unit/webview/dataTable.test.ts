import { strict as assert } from 'node:assert';
import { periodOf } from '../../../src/core/time/calendar';
import { dataTable, MAX_TABLE_ROWS } from '../../../src/webview/lib/dataTable';
import { fillPeriods } from '../../../src/webview/lib/periods';

const TZ = 'America/New_York';
const days = (from: number, to: number) => fillPeriods([], 'day', TZ, from, to, to);

describe("charts' screen-reader tables", () => {
  it('list every period with usage, in the chart granularity, when they are few', () => {
    const periods = days(Date.UTC(2026, 10, 1, 12), Date.UTC(2026, 10, 30, 12));
    const values = periods.map((_, i) => [i % 3 ? i : 0, 1]);
    const t = dataTable(periods, values.map(([a]) => [a]), 'day', TZ);
    assert.equal(t.granularity, 'day');
    assert.deepEqual(t.rows.map((r) => r.key), periods.filter((_, i) => i % 3).map((p) => p.key), 'periods without usage are left out');
    assert.equal(t.rows[0].label, 'Mon, Nov 2, 2026');
  });

  it('group a year of days into weeks, keeping every total', () => {
    const periods = days(Date.UTC(2025, 10, 1, 12), Date.UTC(2026, 10, 30, 12));
    assert.ok(periods.length > 390);
    const values = periods.map((_, i) => [i + 0.5, 2 * i]);
    const t = dataTable(periods, values, 'day', TZ);
    assert.equal(t.granularity, 'week');
    assert.ok(t.rows.length <= MAX_TABLE_ROWS && t.rows.length >= 52);
    const sum = (j: number, rows: number[][]) => rows.reduce((a, v) => a + v[j], 0);
    assert.equal(sum(0, t.rows.map((r) => r.values)), sum(0, values));
    assert.equal(sum(1, t.rows.map((r) => r.values)), sum(1, values));
    // Each row is the week of the days it sums: the first holds the first day.
    assert.equal(t.rows[0].key, periodOf(periods[0].start, 'week', TZ).key);
    assert.match(t.rows[0].label, /^Week of /);
  });

  it('go as coarse as needed: half a year of hours by week, three years of days by month', () => {
    const hours = fillPeriods([], 'hour', TZ, Date.UTC(2026, 4, 1), Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 1));
    const byWeek = dataTable(hours, hours.map(() => [1]), 'hour', TZ);
    assert.equal(byWeek.granularity, 'week');
    assert.equal(byWeek.rows.reduce((a, r) => a + r.values[0], 0), hours.length);
    const threeYears = days(Date.UTC(2023, 11, 1, 12), Date.UTC(2026, 10, 30, 12));
    const byMonth = dataTable(threeYears, threeYears.map(() => [1]), 'day', TZ);
    assert.equal(byMonth.granularity, 'month');
    assert.equal(byMonth.rows.length, 36);
    assert.deepEqual([byMonth.rows[0].key, byMonth.rows[0].values[0], byMonth.rows[35].key], ['2023-12', 31, '2026-11']);
  });
});
