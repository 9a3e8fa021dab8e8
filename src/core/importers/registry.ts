// Every importer the engine knows, in the order sources are imported.
import type { Importer } from './types';

export const IMPORTERS: Importer[] = [];
