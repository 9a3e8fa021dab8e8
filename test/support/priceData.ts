// Price data files for the Update Prices tests: the bundled genai-prices data with a change, and
// a local HTTP server that serves one at /data.json (anything else: 404).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForUpdate, type ModelInfo, type Provider } from '@pydantic/genai-prices';

/** The bundled data (a deep copy) with `model` put first among `providerId`'s models, so it matches before the others. */
export async function priceDataWith(providerId: string, model: ModelInfo): Promise<Provider[]> {
  const data = JSON.parse(JSON.stringify(await waitForUpdate())) as Provider[];
  data.find((p) => p.id === providerId)!.models.unshift(model);
  return data;
}

export async function servePriceData(body: string): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => (req.url === '/data.json' ? res.writeHead(200).end(body) : res.writeHead(404, 'Not Found').end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
