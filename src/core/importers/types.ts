// The contract between the import engine and one source's importer.
import type { FileCursor, LimitHit, LimitObservation, SourceId, UsageRecord } from '../model';

export type { FileCursor };


export interface FileReadResult {
  records: UsageRecord[];
  cursor: FileCursor;
  /** Lines or entries that looked like usage but could not be read (malformed, truncated, unexpected). */
  skipped: number;
  bytesRead: number;
  /** True when the file had shrunk or been rewritten and was read again from the start. */
  reread: boolean;
  /** Plan-limit snapshots the file reported (the newest per bucket and window of this read). */
  limits?: LimitObservation[];
  /** Requests refused by a plan limit. */
  hits?: LimitHit[];
}

/** Where the importers look: the environment, injectable for tests. */
export interface SourceContext {
  home: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** Extra folders or files per source, from settings or CLI flags. */
  extraPaths: Partial<Record<SourceId, string[]>>;
  /**
   * VS Code-family `globalStorage` folders to search for extension-based tools (Cline, Roo, Kilo).
   * From inside the extension, the parent of its own `globalStorageUri` comes first.
   */
  editorStorageRoots?: string[];
  /**
   * Open workspace folders: Aider's `.aider.chat.history.md` and `.aider.conf.yml` live there;
   * Gemini CLI matches its hashed project folders against these paths.
   */
  workspaceFolders?: string[];
  /**
   * Whether the files inside `workspaceFolders` may be read. A cloned repository could plant fake
   * usage there, or a config naming any file on disk, so only an explicit `true` (VS Code's
   * workspace trust) allows it; the folders' paths alone are still used.
   */
  workspaceTrusted?: boolean;
}

/** Where to watch for new usage under one root: a folder and a glob of the files in it that matter. */
export interface WatchTarget {
  base: string;
  /** A VS Code glob relative to `base`; without `**` only `base` itself is watched, not its subfolders. */
  glob: string;
}

export interface Importer {
  readonly source: SourceId;
  /** Human name, e.g. "Claude Code". */
  readonly label: string;
  /**
   * Every folder or file where this tool may write usage, in priority order (on an overlap,
   * the earlier root wins). Roots that do not exist are listed too: the Sources view shows
   * where we looked.
   */
  roots(ctx: SourceContext): string[];
  /** The files to read under the roots that exist (absolute paths, deterministic order). */
  listFiles(roots: string[], ctx: SourceContext): Promise<string[]>;
  /**
   * True when `readFile` depends on nothing but its arguments (no state from `listFiles`), so a
   * parse worker thread may run it: the high-volume sources, read in parallel on a cold import.
   */
  readonly parallel?: boolean;
  /**
   * What to watch under a root folder (a root that is a file is watched as it is): only the files
   * the importer reads, so busy folders beside them (Cline's checkpoint repositories) stay unwatched.
   */
  watch(root: string): WatchTarget[];
  /** Read what is new in `file` since `cursor` (undefined: never read). Never throws for bad content. */
  readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult>;
}
