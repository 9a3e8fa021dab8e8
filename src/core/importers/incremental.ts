// Incremental file reading shared by every importer: read only what was appended since the
// last import, notice truncation and rewrites, and never lose a line still being written.
import * as fs from 'node:fs';
import { limitHitKey, type LimitHit, type LimitObservation, type UsageRecord } from '../model';
import { sha1Hex } from './digest';
import type { FileCursor, FileReadResult } from './types';

/** How many leading bytes identify a file's content (a rewrite changes them, an append does not). */
export const HEAD_BYTES = 4096;
const CHUNK_BYTES = 8 * 1024 * 1024;
const NEWLINE = 0x0a;
const SKIP_HEAD_BYTES = 128;

/** What a line may report besides usage: plan-limit snapshots and limit hits. */
export interface LineExtras {
  limit(o: LimitObservation): void;
  hit(h: LimitHit): void;
}

/** Collects a read's limit snapshots (the newest per bucket and window) and hits (one per key). */
export class ExtrasCollector implements LineExtras {
  private readonly limits = new Map<string, LimitObservation>();
  private readonly hits = new Map<string, LimitHit>();

  limit(o: LimitObservation): void {
    const k = `${o.source}\0${o.limitId}\0${o.window}`;
    const prev = this.limits.get(k);
    if (!prev || o.observedAt >= prev.observedAt) this.limits.set(k, o);
  }

  hit(h: LimitHit): void {
    const k = `${h.source}\0${limitHitKey(h)}`;
    const prev = this.hits.get(k);
    if (!prev || h.ts < prev.ts) this.hits.set(k, h);
  }

  /** The collected data as FileReadResult fields (absent when there is none). */
  result(): { limits?: LimitObservation[]; hits?: LimitHit[] } {
    const out: { limits?: LimitObservation[]; hits?: LimitHit[] } = {};
    if (this.limits.size) out.limits = [...this.limits.values()];
    if (this.hits.size) out.hits = [...this.hits.values()];
    return out;
  }
}

export interface JsonlParser<S> {
  /** State at the start of the file. */
  initialState(file: string): S;
  /**
   * Only lines containing this byte sequence are decoded and parsed (the rest cannot carry
   * usage); a cheap filter that keeps big logs fast.
   */
  mustContain?: Buffer;
  /**
   * A line whose first bytes (up to SKIP_HEAD_BYTES) contain one of these is skipped without
   * being decoded: for logs whose bulky lines announce their type up front (Codex `response_item`).
   */
  skipByHead?: Buffer[];
  /**
   * Handle one complete line. Return the records it yields (often none); return 'skip' for a
   * line that should have been usage but is malformed. May mutate `state`. Limit snapshots and
   * hits go to `extras`.
   */
  line(state: S, text: string, file: string, extras: LineExtras): UsageRecord[] | 'skip';
  /** Records to emit once all lines are read (for sources that resolve entries late). Must not mutate state. */
  finish?(state: S, file: string): UsageRecord[];
}

/** Identifies a file's first bytes (see HEAD_BYTES). */
export function hashHead(buf: Buffer): string {
  return sha1Hex(buf);
}

function readHead(fd: number, size: number): Buffer {
  const len = Math.min(size, HEAD_BYTES);
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, got, len - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Decides where reading resumes: at the cursor, or from 0 when the file shrank or was rewritten. */
function resumePoint(fd: number, size: number, cursor: FileCursor | undefined): { start: number; reread: boolean } {
  if (!cursor) return { start: 0, reread: false };
  if (size < cursor.offset) return { start: 0, reread: true };
  const head = readHead(fd, Math.min(cursor.offset, HEAD_BYTES));
  if (hashHead(head) !== cursor.headHash) return { start: 0, reread: true };
  return { start: cursor.offset, reread: false };
}

/** True when the file is exactly as the cursor left it, so it need not even be opened. */
export function unchanged(stat: { size: number; mtimeMs: number }, cursor: FileCursor | undefined): boolean {
  return !!cursor && cursor.size === stat.size && cursor.mtimeMs === stat.mtimeMs;
}

/**
 * Reads the complete lines appended to a JSONL file since `cursor`. A last line with no
 * newline yet is parsed if it is complete JSON, but the cursor stays before it, so it is read
 * again next time (dedupe keys make that harmless) and a half-written line is never lost.
 */
/**
 * One read buffer per thread, reused: a new one per file costs a page fault per 4 KB on first
 * touch, which on a cold import of thousands of files cost more than the reads themselves.
 * (The read below is synchronous, so no two reads share it at once.)
 */
let scratch: Buffer | undefined;

function readBuffer(size: number): Buffer {
  if (!scratch || scratch.length < size) scratch = Buffer.allocUnsafeSlow(size);
  return scratch.subarray(0, size);
}

export async function readJsonlIncrement<S>(file: string, cursor: FileCursor | undefined, parser: JsonlParser<S>): Promise<FileReadResult> {
  // The common case on a warm import: one stat, nothing opened.
  if (cursor && unchanged(fs.statSync(file), cursor)) return nothingNew(cursor);
  // Synchronous I/O on purpose: imports run in the CLI or a worker thread, and big sequential
  // reads are faster without a thread-pool hand-off per chunk.
  const fd = fs.openSync(file, 'r');
  try {
    const stat = fs.fstatSync(fd);
    if (unchanged(stat, cursor)) return nothingNew(cursor!);
    const { start, reread } = resumePoint(fd, stat.size, cursor);
    const state: S = start > 0 && cursor?.state !== undefined ? (cursor.state as S) : parser.initialState(file);

    const records: UsageRecord[] = [];
    const extras = new ExtrasCollector();
    let skipped = 0;
    let consumed = start; // absolute offset just past the last complete line
    let pos = start;
    let carry: Buffer | null = null;
    const chunk = readBuffer(Math.min(CHUNK_BYTES, Math.max(1, stat.size - start)));
    const needle = parser.mustContain;

    while (pos < stat.size) {
      const bytesRead = fs.readSync(fd, chunk, 0, Math.min(chunk.length, stat.size - pos), pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      let buf = chunk.subarray(0, bytesRead);
      if (carry) {
        buf = Buffer.concat([carry, buf]);
        carry = null;
      }
      // Only complete lines are handled; the rest is carried into the next chunk.
      const complete = buf.lastIndexOf(NEWLINE) + 1;
      const skipByHead = parser.skipByHead;
      const handle = (from: number, nl: number): void => {
        const end = nl > from && buf[nl - 1] === 0x0d ? nl - 1 : nl; // CRLF
        if (end <= from) return;
        if (skipByHead) {
          const head = buf.subarray(from, Math.min(end, from + SKIP_HEAD_BYTES));
          for (const marker of skipByHead) if (head.indexOf(marker) >= 0) return;
        }
        const out = parser.line(state, buf.toString('utf8', from, end), file, extras);
        if (out === 'skip') skipped++;
        else for (const r of out) records.push(r);
      };
      if (needle) {
        // Jump from marker to marker: lines without it are never decoded, nor even scanned for
        // their line end (most bytes of a log are such lines).
        let from = 0;
        for (;;) {
          const m = buf.indexOf(needle, from);
          if (m < 0 || m >= complete) break;
          const nl = buf.indexOf(NEWLINE, m);
          handle(buf.lastIndexOf(NEWLINE, m) + 1, nl);
          from = nl + 1;
        }
      } else {
        for (let from = 0; from < complete; ) {
          const nl = buf.indexOf(NEWLINE, from);
          handle(from, nl);
          from = nl + 1;
        }
      }
      consumed = pos - (buf.length - complete);
      if (complete < buf.length) carry = Buffer.from(buf.subarray(complete));
    }

    let tailRecords: UsageRecord[] = [];
    if (carry && carry.length > 0) {
      // A line still being written: use it if it is already whole, but do not move past it.
      const text = carry.toString('utf8').trim();
      if (text && (!needle || carry.indexOf(needle) >= 0) && isCompleteJson(text)) {
        const scratch = structuredClone(state);
        const out = parser.line(scratch, text, file, extras);
        if (out !== 'skip') tailRecords = out;
      }
    }
    const finishRecords = parser.finish ? parser.finish(state, file) : [];

    const head = readHead(fd, Math.min(consumed, HEAD_BYTES));
    return {
      records: records.concat(tailRecords, finishRecords),
      cursor: { size: stat.size, mtimeMs: stat.mtimeMs, offset: consumed, headHash: hashHead(head), state: clean(state) },
      skipped,
      bytesRead: stat.size - start,
      reread,
      ...extras.result(),
    };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a file that its tool rewrites whole (a JSON document, a database): when it changed,
 * all of it is parsed again; stable dedupe keys keep that from double counting.
 */
export async function readWholeFile(
  file: string,
  cursor: FileCursor | undefined,
  parse: (content: Buffer, file: string) => { records: UsageRecord[]; skipped: number },
): Promise<FileReadResult> {
  const stat = fs.statSync(file);
  if (unchanged(stat, cursor)) return nothingNew(cursor!);
  const content = fs.readFileSync(file);
  const { records, skipped } = parse(content, file);
  return {
    records,
    cursor: { size: content.length, mtimeMs: stat.mtimeMs, offset: content.length, headHash: hashHead(content.subarray(0, HEAD_BYTES)) },
    skipped,
    bytesRead: content.length,
    reread: !!cursor,
  };
}

function nothingNew(cursor: FileCursor): FileReadResult {
  return { records: [], cursor, skipped: 0, bytesRead: 0, reread: false };
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Parser state is stored as JSON; Sets and Maps must be turned into arrays by the parser itself. */
function clean<S>(state: S): unknown {
  return state === undefined ? undefined : JSON.parse(JSON.stringify(state));
}
