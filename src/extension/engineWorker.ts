// Entry point of dist/engineWorker.js: the worker thread that owns the usage database, so the
// extension host never runs sql.js, parsing or saves on its own thread.
import { parentPort, workerData } from 'node:worker_threads';
import { startEngineWorker } from '../core/worker/workerMain';
import type { EngineWorkerData } from '../core/worker/workerProtocol';

if (!parentPort) throw new Error('engineWorker.js must run in a worker thread');
startEngineWorker(parentPort, workerData as EngineWorkerData);
