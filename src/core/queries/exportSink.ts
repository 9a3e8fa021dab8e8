// Where an export's text goes: a file, written beside its target and renamed over it only once
// whole (a failed or cancelled export never leaves half a file under the chosen name), or, for
// a target that is not a local file, the text itself for the caller to write.
import { promises as fs } from 'node:fs';

export type Write = (text: string) => Promise<void>;

/** Runs `produce` (which writes the export and returns its row count) into `file`, or into text. */
export async function writeExport(file: string | undefined, produce: (write: Write) => Promise<number>): Promise<{ rows: number; text?: string }> {
  if (!file) {
    const chunks: string[] = [];
    const rows = await produce(async (s) => void chunks.push(s));
    return { rows, text: chunks.join('') };
  }
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    const rows = await produce(async (s) => void (await handle.write(s)));
    await handle.sync();
    await handle.close();
    await fs.rename(tmp, file);
    return { rows };
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
