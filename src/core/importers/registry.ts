// Every importer the engine knows, in the order sources are imported.
import type { Importer } from './types';
import { geminiCliImporter } from './geminiCli';
import { qwenCodeImporter } from './qwenCode';

export const IMPORTERS: Importer[] = [geminiCliImporter, qwenCodeImporter];
