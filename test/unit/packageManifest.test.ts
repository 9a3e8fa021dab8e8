// What package.json and package-lock.json promise a careful user: how the extension behaves in an
// untrusted or virtual workspace, that no workspace can change what is read or stored, that a
// clean install runs no dependency's install script, and that every locked package accepts the
// oldest Node that `engines.node` admits (so `npm ci` prints no EBADENGINE warning there).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import semver from 'semver';

const repo = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8'));

interface LockedPackage {
  name: string;
  version: string;
  engines?: { node?: string };
  hasInstallScript?: boolean;
}

/** Every installed package of the lock (the root project excluded). */
function lockedPackages(): LockedPackage[] {
  return Object.entries(lock.packages as Record<string, Omit<LockedPackage, 'name'> & { name?: string }>)
    .filter(([key]) => key !== '')
    .map(([key, p]) => ({ ...p, name: p.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length) }));
}

/** `name` or `name@range`, as npm writes allowScripts keys. */
function allowKey(key: string): { name: string; range: string } {
  const at = key.indexOf('@', 1);
  return at < 0 ? { name: key, range: '*' } : { name: key.slice(0, at), range: key.slice(at + 1) };
}

// Each setting, by what a workspace value of it could do. A new setting fails the test below
// until it is put in one of these lists.
/** Changes which files are read, what is fetched (and from where), what is stored or what is sent: never taken from a workspace. */
const AFFECTS_WHAT_IS_READ_OR_STORED = [
  'aiUsage.sources',
  'aiUsage.extraPaths',
  'aiUsage.priceOverrides',
  'aiUsage.prices.autoUpdate',
  'aiUsage.prices.updateUrl',
  // What leaves the machine, and as whom: the team database's identity and CA, the OTLP export.
  'aiUsage.team.user',
  'aiUsage.team.machine',
  'aiUsage.team.projects',
  'aiUsage.team.caFile',
  'aiUsage.otlp.endpoint',
  'aiUsage.otlp.protocol',
  'aiUsage.otlp.temporality',
  'aiUsage.otlp.metricNames',
];
/**
 * Only changes how stored usage is shown, or how often the same places are looked at. (Budgets and
 * plans are sums of stored usage shown and announced; a budget records only that it was announced.)
 */
const DISPLAY_OR_TIMING = [
  'aiUsage.statusBar.enabled',
  'aiUsage.statusBar.period',
  'aiUsage.statusBar.scope',
  'aiUsage.statusBar.show',
  'aiUsage.timeZone',
  'aiUsage.rescanIntervalSeconds',
  'aiUsage.budgets',
  'aiUsage.plans',
];

describe('package manifest', () => {
  it('supports untrusted workspaces in a limited way, and virtual workspaces, each with a description', () => {
    const { untrustedWorkspaces, virtualWorkspaces } = manifest.capabilities;
    assert.equal(untrustedWorkspaces.supported, 'limited');
    assert.match(untrustedWorkspaces.description, /\.aider\.chat\.history\.md/);
    assert.match(untrustedWorkspaces.description, /trust/);
    assert.equal(virtualWorkspaces.supported, 'limited');
    assert.ok(virtualWorkspaces.description.length > 20);
  });

  it('takes no setting that changes what is read, fetched or stored from a workspace, trusted or not', () => {
    const props: Record<string, { scope?: string }> = manifest.contributes.configuration.properties;
    assert.deepEqual(Object.keys(props).sort(), [...AFFECTS_WHAT_IS_READ_OR_STORED, ...DISPLAY_OR_TIMING].sort(), 'every setting is classified');
    for (const key of AFFECTS_WHAT_IS_READ_OR_STORED) {
      // machine and application settings have no workspace value at all; the restriction says so twice.
      assert.ok(['machine', 'application'].includes(props[key]!.scope ?? 'window'), `${key} is machine or application scoped, not ${props[key]!.scope ?? 'window'}`);
    }
    assert.deepEqual([...manifest.capabilities.untrustedWorkspaces.restrictedConfigurations].sort(), [...AFFECTS_WHAT_IS_READ_OR_STORED].sort());
  });

  it('reviews every install script in the lock: none runs on a clean install', () => {
    const policy: Record<string, boolean> = manifest.allowScripts;
    const withScripts = lockedPackages().filter((p) => p.hasInstallScript);
    assert.ok(withScripts.length > 0, 'the lock marks packages with install scripts');
    for (const p of withScripts) {
      const entries = Object.entries(policy).filter(([key]) => {
        const { name, range } = allowKey(key);
        return name === p.name && semver.satisfies(p.version, range);
      });
      assert.ok(entries.length > 0, `${p.name}@${p.version} has an install script that allowScripts does not cover`);
      // esbuild finds its platform binary without its postinstall; vsce needs vsce-sign only to sign
      // and keytar only to store publisher tokens, neither of which this project does.
      assert.ok(entries.every(([, allowed]) => allowed === false), `${p.name}'s install script is denied`);
    }
    for (const key of Object.keys(policy)) {
      assert.ok(withScripts.some((p) => p.name === allowKey(key).name), `allowScripts entry ${key} matches a locked package with an install script`);
    }
  });

  it('every locked package accepts the oldest Node that engines.node admits', () => {
    const oldest = semver.minVersion(manifest.engines.node);
    assert.ok(oldest && oldest.major >= 20, `engines.node ${manifest.engines.node}`);
    const refusing = lockedPackages()
      .filter((p) => p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map((p) => `${p.name}@${p.version} wants node ${p.engines!.node}`);
    assert.deepEqual(refusing, [], `Node ${oldest}`);
    assert.ok(semver.satisfies(process.version, manifest.engines.node), `the tests run on a supported Node (${process.version})`);
  });
});
