import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory for one test file; `write` returns the path of a file made in it. */
export function tempDir(): { path: string; write(name: string, content: string): string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'comeback-test-'));
  return {
    path,
    write(name, content) {
      const file = join(path, name);
      writeFileSync(file, content, 'utf8');
      return file;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
