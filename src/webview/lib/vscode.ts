import type { InitData } from '../../shared/protocol';

// The VS Code webview API, acquired once (acquireVsCodeApi throws on a second call).
// Outside VS Code (a plain browser while developing) it falls back to a harmless stand-in.

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState<T>(state: T): T;
}

declare global {
  // Injected by VS Code into every webview.
  function acquireVsCodeApi(): VsCodeApi;
}

let api: VsCodeApi | undefined;

export function vscodeApi(): VsCodeApi {
  if (!api) {
    if (typeof acquireVsCodeApi === 'function') {
      api = acquireVsCodeApi();
    } else {
      let state: unknown;
      api = {
        postMessage: (m) => console.warn('[ai-usage] no VS Code host; dropped', m),
        getState: () => state,
        setState: (s) => (state = s),
      };
    }
  }
  return api;
}

/** InitData the host may put in the page (data-initial-state on #app) for the first paint. */
export function initialState(): InitData | null {
  try {
    const raw = document.getElementById('app')?.dataset.initialState;
    const v = raw ? (JSON.parse(raw) as InitData) : null;
    return v && typeof v.timeZone === 'string' && v.options && Array.isArray(v.workspaceFolders) ? v : null;
  } catch {
    return null;
  }
}
