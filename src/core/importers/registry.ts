// Every importer the engine knows, in the order sources are imported.
import type { Importer } from './types';
import { geminiCliImporter } from './geminiCli';
import { qwenCodeImporter } from './qwenCode';
import { continueImporter } from './continueDev';

export const IMPORTERS: Importer[] = [geminiCliImporter, qwenCodeImporter, continueImporter];
