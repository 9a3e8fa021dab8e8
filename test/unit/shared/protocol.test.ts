import { strict as assert } from 'node:assert';
import { parseRequest } from '../../../src/shared/protocol';

const view = { projects: ['/a'], range: { preset: '30d' }, models: [], sources: ['codex'], granularity: 'day' };

describe('webview message validation', () => {
  it('accepts well-formed requests', () => {
    assert.deepEqual(parseRequest({ id: 1, type: 'ready' }), { id: 1, type: 'ready' });
    assert.ok(parseRequest({ id: 2, type: 'dashboard', view }));
    assert.ok(parseRequest({ id: 3, type: 'page', view, sort: { column: 'cost', dir: 'desc' }, offset: 0, limit: 100 }));
    assert.ok(parseRequest({ id: 4, type: 'dashboard', view: { ...view, range: { from: '2026-01-01', to: '2026-01-31' } } }));
  });

  it('rejects hostile or malformed messages', () => {
    const bad: unknown[] = [
      null,
      'ready',
      { type: 'ready' },
      { id: -1, type: 'ready' },
      { id: 1, type: 'dropTables' },
      { id: 1, type: 'dashboard', view: { ...view, granularity: 'year' } },
      { id: 1, type: 'dashboard', view: { ...view, sources: ['evil'] } },
      { id: 1, type: 'dashboard', view: { ...view, projects: [1] } },
      { id: 1, type: 'dashboard', view: { ...view, range: { preset: 'forever' } } },
      { id: 1, type: 'dashboard', view: { ...view, range: { from: '2026-02-01', to: '2026-01-01' } } },
      { id: 1, type: 'dashboard', view: { ...view, range: { from: "2026-01-01'; --", to: '2026-01-02' } } },
      { id: 1, type: 'page', view, sort: { column: 'cost; DROP TABLE usage', dir: 'desc' }, offset: 0, limit: 100 },
      { id: 1, type: 'page', view, sort: { column: 'cost', dir: 'desc' }, offset: 0, limit: 1e6 },
      { id: 1, type: 'page', view, sort: { column: 'cost', dir: 'desc' }, offset: 0.5, limit: 10 },
      { id: 1, type: 'dashboard', view: { ...view, projects: Array(501).fill('/a') } },
    ];
    for (const m of bad) assert.equal(parseRequest(m), undefined, JSON.stringify(m)?.slice(0, 80));
  });
});
