// Every importer the engine knows, in the order sources are imported.
import { claudeCodeImporter } from './claudeCode';
import { codexImporter } from './codex';
import type { Importer } from './types';
import { geminiCliImporter } from './geminiCli';
import { qwenCodeImporter } from './qwenCode';
import { continueImporter } from './continueDev';
import { aiderDeskImporter } from './aiderDesk';
import { clineImporter, kiloCodeImporter, rooCodeImporter } from './clineFamily';
import { kiloCliImporter, openCodeImporter } from './openCode';
import { copilotCliImporter } from './copilotCli';
import { aiderImporter } from './aider';

export const IMPORTERS: Importer[] = [claudeCodeImporter, codexImporter, geminiCliImporter, qwenCodeImporter, continueImporter,
  aiderDeskImporter, clineImporter, rooCodeImporter, kiloCodeImporter, openCodeImporter, kiloCliImporter, copilotCliImporter, aiderImporter];
