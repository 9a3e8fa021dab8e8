// Svelte attachments for custom elements. Svelte 5 delegates `change`/`input`/`click` to the
// root, and @vscode-elements fire some of them without `bubbles`, so listen on the element itself.
import type { Attachment } from 'svelte/attachments';
import { on } from 'svelte/events';

export function listen<E extends Event = Event>(type: string, handler: (ev: E, el: HTMLElement) => void): Attachment<HTMLElement> {
  return (node) => on(node, type, (ev) => handler(ev as E, node));
}

/** Calls `handler` for pointer presses outside the element (closing popovers). */
export function outsidePress(handler: () => void): Attachment<HTMLElement> {
  return (node) =>
    on(document, 'pointerdown', (ev) => {
      if (!node.contains(ev.target as Node)) handler();
    });
}
