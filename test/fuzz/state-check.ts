import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOT_ID_FILE, FsStore } from '../../src/store/fs.js';
import { SPARE_DIR } from '../../src/store/spares.js';

/** What a state directory looks like after a fuzz or crash run. */
export interface StateCheck {
  ok: boolean;
  problems: string[];
  monitors: number;
  state: number;
}

/**
 * Checks that a state directory is intact: it loads, every host file parses, no temp file is
 * left behind, and nothing was created outside sm/, sm.bak/ and the state files.
 */
export async function checkStateDir(dir: string): Promise<StateCheck> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m), debug: () => {} };
  const store = new FsStore({ dir, logger, readOnly: true });
  let monitors = 0;
  let state = 0;
  try {
    const snap = await store.load();
    monitors = snap.monitors.length;
    state = snap.state;
  } catch (err) {
    problems.push(`does not load: ${(err as Error).message}`);
  } finally {
    await store.close();
  }
  for (const w of warnings) problems.push(`load warning: ${w}`);
  for (const sub of ['sm', 'sm.bak']) {
    for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
      // The spare files' directory is the store's own (docs/STATE.md); anything else hidden is a leftover.
      if (sub === 'sm' && name === SPARE_DIR) continue;
      if (name.startsWith('.')) problems.push(`temp or hidden file left: ${sub}/${name}`);
    }
  }
  const spares = join(dir, 'sm', SPARE_DIR);
  for (const name of await readdir(spares).catch(() => [] as string[])) {
    const st = await lstat(join(spares, name)).catch(() => null);
    if (st && !st.isFile()) problems.push(`not a plain file among the spares: ${name}`);
  }
  for (const name of await readdir(dir)) {
    if (!['sm', 'sm.bak', 'state', BOOT_ID_FILE].includes(name) && !name.startsWith('.')) {
      problems.push(`unexpected entry in the state directory: ${name}`);
    }
  }
  return { ok: problems.length === 0, problems, monitors, state };
}
