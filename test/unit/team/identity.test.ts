import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { hashed, resolveIdentity, sharedProject, sharedRowOf } from '../../../src/core/team/identity';
import { normaliseRemoteUrl, originUrlOf, RepositoryResolver } from '../../../src/core/team/repository';
import { generateRows } from '../../support/changeLog';
import { tempDir } from '../../support/tempDir';

const CONFIG = `[core]
\trepositoryformatversion = 0
[remote "upstream"]
\turl = git@github.com:someone-else/app.git
[remote "origin"]
\turl = https://alice:ghp_secretToken@GitHub.com/Acme/App.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
`;

describe('team identity', () => {
  it('normalises the usual forms of one remote to one identity, without credentials', () => {
    for (const url of [
      'git@github.com:acme/app.git',
      'https://github.com/acme/app',
      'https://github.com/acme/app.git/',
      'ssh://git@github.com:22/acme/app.git',
      'ssh://git@github.com/acme/app',
      'https://alice:ghp_secretToken@GitHub.com/Acme/App.git',
      'git://github.com/acme/app.git',
      ' https://github.com/acme/app?x=1 ',
    ]) {
      assert.equal(normaliseRemoteUrl(url), 'github.com/acme/app', url);
    }
    assert.equal(normaliseRemoteUrl('ssh://git@gitlab.example.com:2222/group/sub/proj.git'), 'gitlab.example.com/group/sub/proj');
    for (const local of ['/srv/git/app.git', 'C:\\repos\\app', 'file:///srv/git/app.git', '../app', '']) assert.equal(normaliseRemoteUrl(local), '', local);
  });

  it('reads origin (not another remote) from the repository config, through worktree .git files, once per folder', async () => {
    const home = await tempDir();
    const repo = path.join(home, 'app');
    await fs.mkdir(path.join(repo, '.git', 'worktrees', 'wt'), { recursive: true });
    await fs.mkdir(path.join(repo, 'packages', 'web'), { recursive: true });
    await fs.writeFile(path.join(repo, '.git', 'config'), CONFIG);
    assert.equal(originUrlOf(CONFIG), 'https://alice:ghp_secretToken@GitHub.com/Acme/App.git');
    // A linked worktree elsewhere: its .git file points into the main repository.
    const wt = path.join(home, 'wt');
    await fs.mkdir(wt);
    await fs.writeFile(path.join(wt, '.git'), `gitdir: ${path.join(repo, '.git', 'worktrees', 'wt')}\n`);
    await fs.writeFile(path.join(repo, '.git', 'worktrees', 'wt', 'commondir'), '../..\n');
    const plain = path.join(home, 'scratch');
    await fs.mkdir(plain);
    const r = new RepositoryResolver();
    assert.equal(await r.repositoryOf(repo), 'github.com/acme/app');
    assert.equal(await r.repositoryOf(path.join(repo, 'packages', 'web')), 'github.com/acme/app');
    assert.equal(await r.repositoryOf(wt), 'github.com/acme/app');
    assert.equal(await r.repositoryOf(plain), '');
    assert.equal(await r.repositoryOf(path.join(home, 'gone', 'from', 'this', 'machine')), '');
    assert.equal(await r.repositoryOf(''), '');
    await fs.writeFile(path.join(repo, '.git', 'config'), '[remote "origin"]\n\turl = git@github.com:acme/renamed.git\n');
    assert.equal(await r.repositoryOf(repo), 'github.com/acme/app', 'cached for the resolver’s life');
  });

  it('shares a project as its repository, a hash, or the path, as the setting says', async () => {
    const home = await tempDir();
    const repo = path.join(home, 'app');
    await fs.mkdir(path.join(repo, '.git'), { recursive: true });
    await fs.writeFile(path.join(repo, '.git', 'config'), CONFIG);
    const loose = path.join(home, 'loose');
    const r = new RepositoryResolver();
    assert.deepEqual(await sharedProject(repo, 'repository', r), { repository: 'github.com/acme/app', project: 'github.com/acme/app' });
    assert.deepEqual(await sharedProject(loose, 'repository', r), { repository: '', project: hashed(loose) });
    assert.deepEqual(await sharedProject(repo, 'hash', r), { repository: hashed('github.com/acme/app'), project: hashed('github.com/acme/app') });
    assert.deepEqual(await sharedProject(loose, 'hash', r), { repository: '', project: hashed(loose) });
    assert.deepEqual(await sharedProject(repo, 'path', r), { repository: 'github.com/acme/app', project: repo });
    assert.deepEqual(await sharedProject('', 'repository', r), { repository: '', project: '' });
    assert.match(hashed(loose), /^h:[0-9a-f]{16}$/);
    const [row] = generateRows(1, { prefix: 'x', projects: [loose] });
    const shared = await sharedRowOf(row, { user: 'u', machine: 'm', projects: 'repository' }, r);
    assert.ok(!JSON.stringify(shared).includes(home), 'no local path leaves the machine in repository mode');
    assert.deepEqual(Object.keys(shared).sort(), [
      'approximate', 'branch', 'cacheReadTokens', 'cacheWrite1hTokens', 'cacheWriteTokens', 'cost', 'costSource', 'inputTokens', 'machine', 'model', 'modelRaw',
      'outputTokens', 'project', 'reasoningTokens', 'repository', 'requests', 'rowId', 'sessionId', 'source', 'ts',
    ]);
  });

  it('defaults the user to git’s user.email and the machine to the host name; says what to do without either', async () => {
    const home = await tempDir();
    const env = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', XDG_CONFIG_HOME: path.join(home, '.config') };
    await assert.rejects(resolveIdentity({}, env), /no team user: git has no user\.email here/);
    await fs.writeFile(path.join(home, '.gitconfig'), '[user]\n\temail = alice@example.com\n');
    const id = await resolveIdentity({}, env);
    assert.equal(id.user, 'alice@example.com');
    assert.equal(id.machine, require('node:os').hostname());
    assert.equal(id.projects, 'repository');
    assert.deepEqual(await resolveIdentity({ user: ' bob@x ', machine: 'ci-7', projects: 'hash' }, env), { user: 'bob@x', machine: 'ci-7', projects: 'hash' });
    await assert.rejects(resolveIdentity({ user: 'a', projects: 'everything' as never }, env), /unknown project privacy "everything"/);
  });
});
