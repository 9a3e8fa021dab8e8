// The journal: changes made since the last fold, appended as they happen, so a new request
// costs one small append (fsynced before the caller is told it is stored) instead of a rewrite
// of the database, and other processes read only the bytes that are new.
//
// Format: a header line naming the journal, then one record per line, each written as
// "\n<json>\t<crc32>\n" in a single write. The leading newline keeps a record torn by a crash
// (power loss mid-write) on a line of its own: the checksum rejects it and every later record
// still reads. A line without its final newline is still being written and is left for later.
import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import { renameWithRetry } from './atomicFile';

const FORMAT = 1;

export interface JournalHeader {
  journal: string;
  format: number;
}

export interface JournalRead<T> {
  /** The journal's id (from its header), or undefined when the file is missing or has no header yet. */
  id: string | undefined;
  records: T[];
  /** Offset just past the last complete line read: where the next read starts. */
  end: number;
  /** Complete lines that failed their checksum or did not parse (torn by a crash). */
  torn: number;
  /** The file's identity, to notice it being replaced. */
  ino: number;
}

function line(record: unknown): Buffer {
  const json = JSON.stringify(record);
  return Buffer.from(`\n${json}\t${crc32(json).toString(16).padStart(8, '0')}\n`);
}

/** Creates (or replaces, atomically) an empty journal with this id. */
export async function createJournal(file: string, id: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const header: JournalHeader = { journal: id, format: FORMAT };
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(header)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await renameWithRetry(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** Appends records in one write; with `durable`, returns only once they are on disk. Returns the bytes written. */
export async function appendRecords(file: string, records: readonly unknown[], durable: boolean): Promise<number> {
  const data = Buffer.concat(records.map(line));
  const handle = await fs.open(file, 'a');
  try {
    await handle.write(data);
    if (durable) await handle.datasync();
  } finally {
    await handle.close();
  }
  return data.length;
}

/**
 * Reads complete records from `from` (0: the whole journal, header included). A missing file reads
 * as empty. Records whose checksum or JSON is bad are counted as torn and skipped.
 */
export async function readJournal<T>(file: string, from = 0): Promise<JournalRead<T>> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { id: undefined, records: [], end: 0, torn: 0, ino: 0 };
    throw e;
  }
  try {
    const st = await handle.stat();
    const out: JournalRead<T> = { id: undefined, records: [], end: from, torn: 0, ino: st.ino };
    const length = st.size - from;
    if (length < 0) return { ...out, end: 0 }; // replaced by a shorter file: the caller compares ids
    const buf = Buffer.allocUnsafe(Math.max(length, 0));
    let got = 0;
    while (got < length) {
      const { bytesRead } = await handle.read(buf, got, length - got, from + got);
      if (!bytesRead) break;
      got += bytesRead;
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0 || nl >= got) break; // the rest is a line still being written
      if (nl > start) {
        const text = buf.toString('utf8', start, nl);
        if (from === 0 && start === 0) {
          out.id = parseHeader(text);
        } else {
          const rec = parseRecord<T>(text);
          if (rec === undefined) out.torn++;
          else out.records.push(rec);
        }
      }
      start = nl + 1;
    }
    out.end = from + start;
    return out;
  } finally {
    await handle.close();
  }
}

function parseHeader(text: string): string | undefined {
  try {
    const h = JSON.parse(text) as JournalHeader;
    return typeof h.journal === 'string' && h.format === FORMAT ? h.journal : undefined;
  } catch {
    return undefined;
  }
}

function parseRecord<T>(text: string): T | undefined {
  const tab = text.lastIndexOf('\t');
  if (tab < 0) return undefined;
  const json = text.slice(0, tab);
  if (crc32(json).toString(16).padStart(8, '0') !== text.slice(tab + 1)) return undefined;
  try {
    return JSON.parse(json) as T;
  } catch {
    return undefined;
  }
}
