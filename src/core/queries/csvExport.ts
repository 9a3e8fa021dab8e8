// CSV and JSON lines for exported usage rows. CSV follows RFC 4180 (CRLF, quotes doubled) and
// neutralises spreadsheet formulas: a project path or model id that starts with = + - @ would
// otherwise run as a formula when the file is opened in Excel or Sheets (CSV injection).
import { localTime } from '../time/calendar';
import type { TableRow } from './types';

export const CSV_COLUMNS = [
  'timestamp_utc',
  'local_time',
  'project',
  'model',
  'model_raw',
  'source',
  'session',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'tokens_sent',
  'tokens_received',
  'cost_usd',
  'cost_source',
  'approximate',
  'priced_as',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV field: text that could start a formula gets a leading apostrophe; quoted when needed. */
export function csvField(value: string | number | boolean): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let s = value;
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) || s !== value ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly (string | number | boolean)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export const CSV_HEADER = csvLine(CSV_COLUMNS);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "2026-08-20 14:05:09" in `tz`. */
export function localDateTime(ts: number, tz: string): string {
  const l = localTime(ts, tz);
  // Zone offsets are whole minutes, so the seconds are the same in every zone.
  const second = ((Math.floor(ts / 1000) % 60) + 60) % 60;
  return `${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}:${pad(second)}`;
}

/** Cost with enough digits to sum back exactly to the dashboard's total (no float noise). */
function costText(cost: number): number {
  return Number(cost.toFixed(10));
}

export function csvRow(r: TableRow, tz: string): string {
  return csvLine(csvFields(r, tz));
}

/** A row's fields in CSV_COLUMNS order. */
export function csvFields(r: TableRow, tz: string): (string | number | boolean)[] {
  return [
    new Date(r.ts).toISOString(),
    localDateTime(r.ts, tz),
    r.project,
    r.model,
    r.modelRaw,
    r.source,
    r.sessionId,
    r.inputTokens,
    r.outputTokens,
    r.cacheReadTokens,
    r.cacheWriteTokens,
    r.reasoningTokens,
    r.tokensSent,
    r.tokensReceived,
    costText(r.cost),
    r.costSource,
    r.approximate,
    r.pricedAs ?? '',
  ];
}

/** The same row as a JSON object (JSON needs no formula guard: it is not opened as a sheet). */
export function jsonRow(r: TableRow): Record<string, unknown> {
  return {
    timestamp: new Date(r.ts).toISOString(),
    project: r.project,
    model: r.model,
    modelRaw: r.modelRaw,
    source: r.source,
    sessionId: r.sessionId,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheReadTokens: r.cacheReadTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    reasoningTokens: r.reasoningTokens,
    costUsd: costText(r.cost),
    costSource: r.costSource,
    approximate: r.approximate,
    ...(r.pricedAs ? { pricedAs: r.pricedAs } : {}),
  };
}
