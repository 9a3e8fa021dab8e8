import { strict as assert } from 'node:assert';
import { parseSettings, RESCAN_DEFAULT_SECONDS } from '../../src/core/settings';

describe('parseSettings', () => {
  it('gives the documented defaults for an empty configuration', () => {
    const { settings, problems } = parseSettings({ timeZone: 'UTC' });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      badge: { enabled: true, period: 'today', scope: 'workspace' },
      timeZone: 'UTC',
      priceOverrides: {},
      disabledSources: [],
      extraPaths: {},
      rescanSeconds: RESCAN_DEFAULT_SECONDS,
      prices: { autoUpdate: false, updateUrl: '' },
    });
  });

  it('reads valid values', () => {
    const { settings, problems } = parseSettings({
      'statusBar.enabled': false,
      'statusBar.period': 'thisWeek',
      'statusBar.scope': 'all',
      timeZone: 'Europe/Paris',
      priceOverrides: { 'my-model': { input: 1, output: 2 } },
      sources: { codex: false, 'claude-code': true },
      extraPaths: { 'claude-code': [' /mnt/a ', ''] },
      rescanIntervalSeconds: 0,
      'prices.autoUpdate': true,
      'prices.updateUrl': ' http://127.0.0.1:8080/data.json ',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.prices, { autoUpdate: true, updateUrl: 'http://127.0.0.1:8080/data.json' });
    assert.deepEqual(settings.badge, { enabled: false, period: 'thisWeek', scope: 'all' });
    assert.equal(settings.timeZone, 'Europe/Paris');
    assert.deepEqual(settings.priceOverrides, { 'my-model': { input: 1, output: 2 } });
    assert.deepEqual(settings.disabledSources, ['codex']);
    assert.deepEqual(settings.extraPaths, { 'claude-code': ['/mnt/a'] });
    assert.equal(settings.rescanSeconds, 0);
  });

  it('reports invalid price overrides and leaves them undefined (the old prices stay)', () => {
    const { settings, problems } = parseSettings({ priceOverrides: { 'm': { input: -1, output: 2 } } });
    assert.equal(settings.priceOverrides, undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /aiUsage\.priceOverrides is invalid .*"input" must be a non-negative number.*previous prices are kept/);
  });

  it('reports and replaces every other bad value', () => {
    const { settings, problems } = parseSettings({
      'statusBar.period': 'fortnight',
      'statusBar.scope': 'galaxy',
      timeZone: 'Mars/Olympus',
      sources: { codex: 'no', nope: false, api: false },
      extraPaths: { codex: 'not-a-list' },
      rescanIntervalSeconds: -5,
      'prices.autoUpdate': 'yes',
      'prices.updateUrl': 'file:///etc/passwd',
    });
    assert.equal(settings.badge.period, 'today');
    assert.equal(settings.badge.scope, 'workspace');
    assert.ok(settings.timeZone.length > 0);
    assert.deepEqual(settings.disabledSources, []);
    assert.deepEqual(settings.extraPaths, {});
    assert.equal(settings.rescanSeconds, RESCAN_DEFAULT_SECONDS);
    assert.deepEqual(settings.prices, { autoUpdate: false, updateUrl: '' });
    assert.equal(problems.length, 10, problems.join('\n'));
    assert.ok(problems.every((p) => p.startsWith('aiUsage.')));
  });

  it('keeps a short rescan interval at the minimum', () => {
    assert.equal(parseSettings({ rescanIntervalSeconds: 1 }).settings.rescanSeconds, 5);
  });
});
