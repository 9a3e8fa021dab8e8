// Hex digests for dedupe keys and file heads. node:crypto loads on first use: a warm CLI run
// that finds nothing new never hashes anything, and the module's start-up shows in that run.
import type { BinaryLike } from 'node:crypto';

let crypto: typeof import('node:crypto') | undefined;

export function digestHex(algorithm: 'sha1' | 'sha256', data: BinaryLike): string {
  crypto ??= require('node:crypto') as typeof import('node:crypto');
  return crypto.createHash(algorithm).update(data).digest('hex');
}

export const sha1Hex = (data: BinaryLike): string => digestHex('sha1', data);
