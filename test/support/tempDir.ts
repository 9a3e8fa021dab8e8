import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

/** A fresh folder under the OS temp dir, removed after the test run. */
export async function tempDir(prefix = 'ai-usage-test-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

after(async () => {
  await Promise.all(made.map((d) => fs.rm(d, { recursive: true, force: true })));
});
