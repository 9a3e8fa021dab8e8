import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { claudeCodeImporter } from '../../../src/core/importers/claudeCode';
import type { SourceContext } from '../../../src/core/importers/types';
import { listSources, nothingChanged, snapshotFiles, writeManifest } from '../../../src/core/engine/quickCheck';
import { tempDir } from '../../support/tempDir';

describe('quick "nothing changed" check', () => {
  let home: string;
  let ctx: SourceContext;
  let db: string;
  let log: string;
  beforeEach(async () => {
    home = await tempDir();
    ctx = { home, env: {}, platform: 'linux', extraPaths: {} };
    log = path.join(home, '.claude', 'projects', '-p', 's.jsonl');
    await fs.mkdir(path.dirname(log), { recursive: true });
    await fs.writeFile(log, '{}\n');
    db = path.join(home, 'usage.db');
    await fs.writeFile(db, 'db');
  });

  const check = async () => {
    const listing = await listSources([claudeCodeImporter], ctx);
    return nothingChanged(db, listing, snapshotFiles(listing));
  };

  it('matches only when the database and every source file are as recorded', async () => {
    assert.equal(await check(), undefined, 'no manifest yet');
    const listing = await listSources([claudeCodeImporter], ctx);
    await writeManifest(db, listing, snapshotFiles(listing), 7);
    assert.equal((await check())?.rows, 7);
    await fs.appendFile(log, '{}\n');
    assert.equal(await check(), undefined, 'a source file grew');
  });

  it('a new file, or another process saving the database, invalidates it', async () => {
    const listing = await listSources([claudeCodeImporter], ctx);
    await writeManifest(db, listing, snapshotFiles(listing), 1);
    await fs.writeFile(path.join(path.dirname(log), 'new.jsonl'), '{}\n');
    assert.equal(await check(), undefined);
    const again = await listSources([claudeCodeImporter], ctx);
    await writeManifest(db, again, snapshotFiles(again), 1);
    assert.ok(await check());
    await fs.rm(db);
    await fs.writeFile(db, 'other');
    assert.equal(await check(), undefined);
  });

  it('stats are taken before the import, so a file appended during it is imported next time', async () => {
    const listing = await listSources([claudeCodeImporter], ctx);
    const before = snapshotFiles(listing);
    await fs.appendFile(log, '{"late":true}\n'); // written while the import ran
    await writeManifest(db, listing, before, 1);
    assert.equal(await check(), undefined);
  });
});
