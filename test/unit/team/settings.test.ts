import { strict as assert } from 'node:assert';
import { teamSyncLine } from '../../../src/core/team/statusText';
import { parseOtlpHeaders, parseTeamSettings } from '../../../src/core/team/teamSettings';
import { NOT_CONNECTED } from '../../../src/core/team/teamTypes';

describe('team and OpenTelemetry settings', () => {
  it('defaults, and every bad value reported by name and replaced by its default', () => {
    const d = parseTeamSettings({}, '/home/me');
    assert.deepEqual(d.team, { user: '', machine: '', projects: 'repository', caFile: '' });
    assert.deepEqual(d.otlp, { endpoint: '', protocol: 'http/protobuf', temporality: 'cumulative', names: 'semconv' });
    assert.deepEqual(d.problems, []);
    const ok = parseTeamSettings({ 'team.user': ' me@x.io ', 'team.machine': 'desk', 'team.projects': 'hash', 'team.caFile': '~/ca/root.pem', 'otlp.endpoint': 'https://otel.example.com:4318', 'otlp.protocol': 'http/json', 'otlp.temporality': 'delta', 'otlp.metricNames': 'both' }, '/home/me');
    assert.deepEqual(ok.team, { user: 'me@x.io', machine: 'desk', projects: 'hash', caFile: '/home/me/ca/root.pem' });
    assert.deepEqual(ok.otlp, { endpoint: 'https://otel.example.com:4318', protocol: 'http/json', temporality: 'delta', names: 'both' });
    const bad = parseTeamSettings({ 'team.user': 42, 'team.projects': 'everything', 'team.caFile': 'ca.pem', 'otlp.endpoint': 'grpc://collector:4317', 'otlp.protocol': 'grpc', 'otlp.metricNames': 'prometheus' }, '/home/me');
    assert.deepEqual(bad.team, { user: '', machine: '', projects: 'repository', caFile: '' });
    assert.equal(bad.otlp.endpoint, '', 'nothing is exported to a bad endpoint');
    assert.deepEqual(bad.problems, [
      'aiUsage.team.caFile must be an absolute path (or start with ~); ignored.',
      'aiUsage.otlp.endpoint must be an http(s) URL such as http://localhost:4318; nothing is exported.',
      'aiUsage.team.user must be a string; ignored.',
      'aiUsage.team.projects must be one of repository, hash, path; using "repository".',
      'aiUsage.otlp.protocol must be one of http/protobuf, http/json; using "http/protobuf".',
      'aiUsage.otlp.metricNames must be one of semconv, claude-code, both; using "semconv".',
    ]);
  });

  it('OTLP headers as OTEL_EXPORTER_OTLP_HEADERS writes them; a bad one is refused without echoing its value', () => {
    assert.deepEqual(parseOtlpHeaders('Authorization=Bearer%20abc%3D%3D, x-scope-orgid=team-a,'), { authorization: 'Bearer abc==', 'x-scope-orgid': 'team-a' });
    assert.deepEqual(parseOtlpHeaders(''), {});
    assert.throws(() => parseOtlpHeaders('secret-token-value'), (e: Error) => /is not key=value/.test(e.message) && !e.message.includes('secret-token-value'));
    assert.throws(() => parseOtlpHeaders('api-key=50%off'), /the value of "api-key" has a % that starts no escape/);
    assert.throws(() => parseOtlpHeaders('x=a%0Db'), /line break/);
  });

  it('the badge tooltip’s line says where, when, what is pending, or what failed', () => {
    const base = { ...NOT_CONNECTED, connected: true, database: 'db.example.com:5432/ai_usage' };
    assert.equal(teamSyncLine(NOT_CONNECTED, 'UTC'), null);
    assert.equal(teamSyncLine(base, 'UTC'), 'Team database: db.example.com:5432/ai_usage, not synced yet');
    assert.equal(teamSyncLine({ ...base, syncing: true }, 'UTC'), 'Team database: syncing to db.example.com:5432/ai_usage…');
    assert.equal(teamSyncLine({ ...base, lastSync: Date.UTC(2026, 10, 2, 14, 5), pending: 1234 }, 'UTC'), 'Team database: synced at 2:05 PM to db.example.com:5432/ai_usage, 1,234 rows pending');
    assert.equal(
      teamSyncLine({ ...base, lastSync: 1, lastError: 'cannot connect to db.example.com:5432: connection refused', nextAttempt: Date.UTC(2026, 10, 2, 15, 30) }, 'Europe/Paris'),
      'Team database: sync failed: cannot connect to db.example.com:5432: connection refused (trying again at 4:30 PM)',
    );
    assert.ok(teamSyncLine({ ...base, lastError: 'x'.repeat(500) }, 'UTC')!.length < 220, 'a long error is cut');
  });
});
