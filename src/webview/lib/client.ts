// The webview's only way to talk to the extension host: typed requests answered by id, and
// notifications. Message shapes come from src/shared/protocol.ts.
import type { HostMessage, Notification, ReplyMap, Request, RequestType } from '../../shared/protocol';
import type { VsCodeApi } from './vscode';

type Payload<T extends RequestType> = Omit<Extract<Request, { type: T }>, 'id' | 'type'>;
type PayloadArgs<T extends RequestType> = {} extends Payload<T> ? [payload?: Payload<T>] : [payload: Payload<T>];
type NotificationOf<N extends Notification['type']> = Extract<Notification, { type: N }>;

/** A request the host answered with ok:false, or did not answer in time. The message is for the user. */
export class HostError extends Error {}

// Requests that wait on the user (a save dialog, a confirmation) or on a long import never time out.
const NO_TIMEOUT: ReadonlySet<RequestType> = new Set(['exportCsv', 'importNow', 'connectClaudeLimits']);

export interface HostClient {
  request<T extends RequestType>(type: T, ...args: PayloadArgs<T>): Promise<ReplyMap[T]>;
  /** Subscribes to a notification; returns the unsubscribe function. */
  on<N extends Notification['type']>(type: N, handler: (n: NotificationOf<N>) => void): () => void;
}

export function createClient(api: VsCodeApi, target: Window = window, timeoutMs = 60_000): HostClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (d: never) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> }>();
  const handlers = new Map<string, Set<(n: Notification) => void>>();

  target.addEventListener('message', (ev: MessageEvent) => {
    const msg = ev.data as HostMessage | null;
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    if (msg.type === 'reply') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.data as never);
      else p.reject(new HostError(msg.error));
      return;
    }
    for (const h of handlers.get(msg.type) ?? []) h(msg);
  });

  return {
    request(type, ...args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const entry: { resolve: (d: never) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> } = { resolve, reject };
        if (!NO_TIMEOUT.has(type)) {
          entry.timer = setTimeout(() => {
            pending.delete(id);
            reject(new HostError(`The extension did not answer (${type}) within ${Math.round(timeoutMs / 1000)} seconds.`));
          }, timeoutMs);
        }
        pending.set(id, entry);
        api.postMessage({ ...args[0], id, type });
      });
    },
    on(type, handler) {
      let set = handlers.get(type);
      if (!set) handlers.set(type, (set = new Set()));
      const h = handler as (n: Notification) => void;
      set.add(h);
      return () => set.delete(h);
    },
  };
}

/** Plain words for any failure, for the error states. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
