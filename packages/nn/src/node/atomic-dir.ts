import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Fills a fresh temporary folder beside `dir`, then renames it to `dir`, so readers see either
 * the old folder or the complete new one, never a partial one. An existing `dir` is replaced.
 * On failure the temporary folder is removed and `dir` is left as it was.
 */
export async function writeDirAtomically(
  dir: string,
  fill: (tmp: string) => Promise<void>,
): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${tag}`);
  await mkdir(tmp);
  try {
    await fill(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await rename(tmp, dir);
    return;
  }
  const old = join(parent, `.${basename(dir)}.old-${tag}`);
  await rename(dir, old);
  try {
    await rename(tmp, dir);
  } catch (e) {
    await rename(old, dir);
    throw e;
  }
  await rm(old, { recursive: true, force: true });
}
