// Loading the optional Node-API addons that scripts/build-native.mjs puts in dist/native/
// (nsmd_udp.node for the UDP transport, nsmd_fs.node for the store), and choosing between an addon
// and the Node API it stands in for.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Whether an addon is loaded, and why not when it is not. */
export interface NativeAddonStatus {
  available: boolean;
  /** The file looked for. */
  path: string;
  reason?: string;
}

/** One addon, loaded on first use (once: a failed load is not retried). */
export class NativeAddon<T> {
  /** The file, in dist/native/ beside dist/src/. */
  readonly path: string;
  private loaded: T | null | undefined;
  private reason: string | undefined;

  constructor(name: string) {
    this.path = fileURLToPath(new URL(`../../native/${name}.node`, import.meta.url));
  }

  /** The addon's exports, or null when it cannot be loaded here. */
  binding(): T | null {
    if (this.loaded !== undefined) return this.loaded;
    this.loaded = null;
    if (process.platform !== 'linux') {
      this.reason = `Linux only (this is ${process.platform})`;
      return null;
    }
    try {
      this.loaded = createRequire(import.meta.url)(this.path) as T;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.reason = code === 'MODULE_NOT_FOUND' ? 'not built' : String((err as Error).message ?? err);
    }
    return this.loaded;
  }

  status(): NativeAddonStatus {
    const available = this.binding() !== null;
    return { available, path: this.path, ...(available ? {} : { reason: this.reason }) };
  }

  /**
   * 'native' or `fallback`: what `choice` says, else what the environment variable `envVar` says
   * (`native` or the fallback's name), else the addon when it loads. Throws `unavailable(why)` when
   * the addon was asked for and cannot be loaded.
   */
  choose<F extends string>(
    choice: 'auto' | 'native' | F | undefined,
    envVar: string,
    fallback: F,
    unavailable: (why: string) => Error,
  ): 'native' | F {
    let want = choice ?? 'auto';
    if (choice === undefined) {
      const env = process.env[envVar];
      if (env === 'native' || env === fallback) want = env as 'native' | F;
    }
    if (want === fallback) return fallback;
    const s = this.status();
    if (s.available) return 'native';
    if (want === 'native') throw unavailable(`${s.reason} (${s.path})`);
    return fallback;
  }
}
