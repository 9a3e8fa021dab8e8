// Loads sql.js once per process. The wasm is passed as bytes (not located by URL), so a
// missing file fails with a clear error instead of an uncaught abort.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;
let wasmPathOverride: string | undefined;

/** Where sql-wasm.wasm lives: beside the bundle in dist/, or in node_modules when running from source. */
export function setSqlWasmPath(p: string): void {
  wasmPathOverride = p;
}

function candidates(): string[] {
  const list: string[] = [];
  if (wasmPathOverride) list.push(wasmPathOverride);
  if (process.env.AI_USAGE_SQL_WASM) list.push(process.env.AI_USAGE_SQL_WASM);
  list.push(path.join(__dirname, 'sql-wasm.wasm'));
  try {
    list.push(path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm'));
  } catch {
    // bundled: sql.js is not resolvable, the file beside the bundle is used
  }
  return list;
}

async function load(): Promise<SqlJsStatic> {
  for (const p of candidates()) {
    let wasmBinary: Buffer;
    try {
      wasmBinary = await fs.readFile(p);
    } catch {
      continue;
    }
    const bytes = wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer;
    return initSqlJs({ wasmBinary: bytes });
  }
  throw new Error(`sql-wasm.wasm not found (looked in: ${candidates().join(', ')})`);
}

export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= load().catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}
