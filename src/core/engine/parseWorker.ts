// A parse worker thread (see parsePool.ts): reads files with the importers' own readFile.
import { parentPort } from 'node:worker_threads';
import { IMPORTERS } from '../importers/registry';
import type { ParseReply, ParseRequest } from './parsePool';

parentPort?.on('message', async (req: ParseRequest) => {
  let reply: ParseReply;
  try {
    const importer = IMPORTERS.find((i) => i.source === req.source && i.parallel);
    if (!importer) throw new Error(`no parallel importer for ${req.source}`);
    reply = { id: req.id, result: await importer.readFile(req.file, req.cursor) };
  } catch (e) {
    reply = { id: req.id, error: e instanceof Error ? e.message : String(e), code: (e as NodeJS.ErrnoException)?.code };
  }
  parentPort!.postMessage(reply);
});
