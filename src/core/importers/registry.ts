// Every importer the engine knows, in the order sources are imported.
import type { Importer } from './types';
import { geminiCliImporter } from './geminiCli';

export const IMPORTERS: Importer[] = [geminiCliImporter];
