// What the app server's start-up stage (app-server-boot.ts, a bundle of its own) hands to the
// rest of Yoke once it has answered `initialize`: the handshake, and the store it opened and
// checked before answering. The two bundles share no module state, so it travels on a global.
import type { Handshake } from '../../server/initialize.ts';
import type { ThreadStore } from '../../runtime/home-store.ts';

export type AppServerHandoff = {
  /** The YOKE_HOME the answer named, and whose yoke.db `store` is. */
  home: string;
  handshake: Handshake;
  store: ThreadStore;
};

const KEY = Symbol.for('yoke.app-server-handoff');
type Holder = { [KEY]?: AppServerHandoff };

export function handOff(handoff: AppServerHandoff): void {
  (globalThis as Holder)[KEY] = handoff;
}

/** The handoff, once: null when `initialize` is still to come (the full start-up path). */
export function takeHandoff(): AppServerHandoff | null {
  const holder = globalThis as Holder;
  const handoff = holder[KEY] ?? null;
  delete holder[KEY];
  return handoff;
}
