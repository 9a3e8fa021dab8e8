// Update Prices: fetches the current @pydantic/genai-prices data file, checks it (priceData.ts)
// and stores it where the pricer loads it from. Runs only when the user asks for it (the command,
// the CLI's `prices update`) or turned `aiUsage.prices.autoUpdate` on. A failed fetch, a bad file
// or a timeout throws with the reason and leaves the stored file (and so every price) unchanged.
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { writeFileAtomic } from '../store/atomicFile';
import { modelCount, priceTableOf, sha256 } from './priceData';

/**
 * Where the package itself fetches newer data from (its REMOTE_DATA_JSON_URL, for `updatePrices`):
 * the project's GitHub repository. Written out rather than imported, so the command does not load
 * the whole bundled table just to read it (a unit test keeps them equal).
 */
export const DEFAULT_PRICE_DATA_URL = 'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json';

const DEFAULT_TIMEOUT_MS = 30_000;
/** The real file is about 0.4 MB; anything far larger is not it. */
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export interface PriceUpdateOptions {
  /** Where the stored table lives (the extension's global storage, or beside the CLI's database). */
  file: string;
  /** Default: DEFAULT_PRICE_DATA_URL. Only http: and https: URLs. */
  url?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

export interface PriceUpdateResult {
  /** False when the fetched data equals the stored data. */
  changed: boolean;
  url: string;
  file: string;
  providers: number;
  models: number;
}

export async function updatePriceData(o: PriceUpdateOptions): Promise<PriceUpdateResult> {
  const url = (o.url ?? '').trim() || DEFAULT_PRICE_DATA_URL;
  const text = await fetchText(url, o.timeoutMs ?? DEFAULT_TIMEOUT_MS, o.maxBytes ?? DEFAULT_MAX_BYTES);
  let table;
  try {
    table = priceTableOf(text);
  } catch (e) {
    throw new Error(`${url} did not return usable prices: ${(e as Error).message}`);
  }
  const result = { url, file: o.file, providers: table.providers.length, models: modelCount(table.providers) };
  const stored = await fs.readFile(o.file, 'utf8').catch(() => undefined);
  if (stored !== undefined && sha256(stored) === sha256(text)) {
    // Same data: only note that it was checked now (the auto-update interval reads the time).
    const now = new Date();
    await fs.utimes(o.file, now, now).catch(() => undefined);
    return { changed: false, ...result };
  }
  await writeFileAtomic(o.file, Buffer.from(text, 'utf8'));
  return { changed: true, ...result };
}

/** When the stored table was last fetched or checked (ms), or null when there is none. */
export async function storedPriceDataTime(file: string): Promise<number | null> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * GET with node:http(s) rather than fetch(): in VS Code's extension host those modules honour
 * the user's proxy settings. Follows redirects; the whole exchange must finish within timeoutMs.
 */
function fetchText(url: string, timeoutMs: number, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let done = false;
    let current: http.ClientRequest | undefined;
    const finish = (err: Error | null, value?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      current?.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => finish(new Error(`fetching ${url} timed out after ${Math.round(timeoutMs / 100) / 10} s`)), timeoutMs);

    const get = (target: string, redirects: number) => {
      let parsed: URL;
      try {
        parsed = new URL(target);
      } catch {
        return finish(new Error(`"${target}" is not a valid URL`));
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return finish(new Error(`"${target}" is not an http(s) URL`));
      const lib = parsed.protocol === 'https:' ? https : http;
      const req = lib.get(parsed, { headers: { accept: 'application/json', 'user-agent': 'ai-usage-dashboard' } }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (redirects >= MAX_REDIRECTS) return finish(new Error(`fetching ${url}: too many redirects`));
          return get(new URL(res.headers.location, parsed).toString(), redirects + 1);
        }
        if (status !== 200) {
          res.resume();
          return finish(new Error(`fetching ${target} failed: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) finish(new Error(`${target} sent more than ${Math.ceil(maxBytes / 1024)} KB: not a price data file`));
          else chunks.push(c);
        });
        res.on('end', () => finish(null, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => finish(new Error(`fetching ${target} failed: ${e.message}`)));
      });
      req.on('error', (e) => finish(new Error(`fetching ${target} failed: ${e.message}`)));
      current = req;
    };
    get(url, 0);
  });
}
