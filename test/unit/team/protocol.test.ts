// The dashboard's team requests as the host receives them: every new field checked, and a
// malformed request answered with an error that names the field.
import { strict as assert } from 'node:assert';
import { checkRequest, parseRequest } from '../../../src/shared/protocol';

const view = { projects: [], range: { preset: '30d' }, models: [], sources: [], granularity: 'day' };

describe('team requests from the webview', () => {
  it('accepts the scopes, their user and machine filters, breakdowns and the team requests', () => {
    assert.ok(parseRequest({ id: 1, type: 'dashboard', view: { ...view, scope: 'team', users: ['a@x.io'], machines: ['laptop'] } }));
    assert.ok(parseRequest({ id: 2, type: 'dashboard', view: { ...view, scope: 'local', users: [], machines: [] } }));
    assert.ok(parseRequest({ id: 3, type: 'page', view: { ...view, scope: 'mine' }, sort: { column: 'ts', dir: 'desc' }, offset: 400, limit: 200 }));
    assert.ok(parseRequest({ id: 4, type: 'breakdown', view: { ...view, scope: 'team' }, by: 'user' }));
    assert.ok(parseRequest({ id: 5, type: 'breakdown', view: { ...view, scope: 'mine' }, by: 'machine' }));
    assert.deepEqual(parseRequest({ id: 6, type: 'teamOptions', scope: 'mine' }), { id: 6, type: 'teamOptions', scope: 'mine' });
    for (const type of ['teamStatus', 'teamSyncNow', 'connectTeam']) assert.deepEqual(parseRequest({ id: 7, type }), { id: 7, type });
  });

  it('refuses hostile team fields, naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ id: 1, type: 'dashboard', view: { ...view, scope: 'everyone' } }, /^invalid dashboard request: view\.scope must be one of local, mine, team$/],
      [{ id: 1, type: 'dashboard', view: { ...view, scope: 'team', users: "'; DROP TABLE ai_usage.requests; --" } }, /view\.users must be a list of at most 500 strings/],
      [{ id: 1, type: 'dashboard', view: { ...view, scope: 'team', machines: [{ $ne: 1 }] } }, /view\.machines must be a list/],
      [{ id: 1, type: 'dashboard', view: { ...view, scope: 'team', users: Array(501).fill('u') } }, /view\.users must be a list of at most 500 strings/],
      [{ id: 1, type: 'dashboard', view: { ...view, users: ['a@x.io'] } }, /view\.users filters a team scope only/],
      [{ id: 1, type: 'breakdown', view, by: 'user' }, /^invalid breakdown request: a user breakdown needs a team scope$/],
      [{ id: 1, type: 'breakdown', view: { ...view, scope: 'team' }, by: 'password' }, /by must be one of branch, project, source, user, machine/],
      [{ id: 1, type: 'teamOptions', scope: 'local' }, /^invalid teamOptions request: scope must be "mine" or "team"$/],
      [{ id: 1, type: 'teamOptions' }, /scope must be "mine" or "team"/],
      [{ id: 1, type: 'page', view: { ...view, scope: 'team' }, sort: { column: 'ts', dir: 'desc' }, offset: -5, limit: 10 }, /offset must be a whole number from 0/],
      [{ id: 1, type: 'connectTeam2' }, /^unknown request type "connectTeam2"$/],
      [{ type: 'teamStatus' }, /^not a request/],
    ];
    for (const [msg, want] of cases) {
      const r = checkRequest(msg);
      assert.ok('error' in r, JSON.stringify(msg).slice(0, 100));
      assert.match(r.error, want);
      assert.equal(parseRequest(msg), undefined);
    }
  });
});
