import { strict as assert } from 'node:assert';
import { parseSettings, RESCAN_DEFAULT_SECONDS } from '../../src/core/settings';

describe('parseSettings', () => {
  it('gives the documented defaults for an empty configuration', () => {
    const { settings, problems } = parseSettings({ timeZone: 'UTC' });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      badge: { enabled: true, period: 'today', scope: 'workspace', show: 'cost' },
      timeZone: 'UTC',
      priceOverrides: {},
      disabledSources: [],
      extraPaths: {},
      rescanSeconds: RESCAN_DEFAULT_SECONDS,
      prices: { autoUpdate: false, updateUrl: '' },
      budgets: [],
      plans: [],
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
      'statusBar.show': 'limit',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.prices, { autoUpdate: true, updateUrl: 'http://127.0.0.1:8080/data.json' });
    assert.deepEqual(settings.badge, { enabled: false, period: 'thisWeek', scope: 'all', show: 'limit' });
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

  it('reads budgets and plans, and reports each bad entry while keeping the good ones', () => {
    const { settings, problems } = parseSettings({
      budgets: [
        { name: 'Team cap', period: 'month', amountUsd: 100, scope: 'all' },
        { period: 'week', amountUsd: 20, scope: '/home/u/app', sources: ['claude-code'] },
        { period: 'day', amountUsd: 5 },
        { period: 'year', amountUsd: 5 },
        { period: 'month', amountUsd: -1, scope: 'all' },
        { period: 'month', amountUsd: 10, sources: ['nope'] },
        'weird',
      ],
      plans: [
        { name: 'Claude Max 20x', monthlyUsd: 200, sources: ['claude-code'], from: '2026-11-15' },
        { name: 'ChatGPT Pro', monthlyUsd: 200 },
        { name: 'Copilot Pro', monthlyUsd: 10, sources: ['copilot-cli'], from: 'soon' },
      ],
      'statusBar.show': 'percent',
    });
    assert.deepEqual(settings.budgets, [
      { name: 'Team cap', period: 'month', amountUsd: 100, scope: 'all' },
      { period: 'week', amountUsd: 20, scope: '/home/u/app', sources: ['claude-code'] },
      { period: 'day', amountUsd: 5, scope: 'all' },
    ]);
    assert.deepEqual(settings.plans, [{ name: 'Claude Max 20x', monthlyUsd: 200, sources: ['claude-code'], from: '2026-11-15' }]);
    assert.equal(settings.badge.show, 'cost');
    assert.deepEqual(problems, [
      'aiUsage.statusBar.show must be "cost" or "limit"; using "cost".',
      'aiUsage.budgets[3].period must be "day", "week" or "month"; this budget is ignored.',
      'aiUsage.budgets[4].amountUsd must be a number above 0; this budget is ignored.',
      'aiUsage.budgets[5].sources: unknown source "nope".',
      'aiUsage.budgets[6] must be an object.',
      'aiUsage.plans[1].sources must name the tools the plan covers, e.g. ["codex"]; this plan is ignored.',
      'aiUsage.plans[2].from must be a date YYYY-MM-DD; this plan is ignored.',
    ]);
    assert.deepEqual(parseSettings({ budgets: { period: 'month' } }).problems, ['aiUsage.budgets must be a list such as [{ "period": "month", "amountUsd": 100, "scope": "all" }].']);
  });
});
