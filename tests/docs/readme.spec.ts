import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMON_ENV } from '@comeback/config';
import { KIND_SPECS, RECORD_KINDS } from '@comeback/ingestion';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README.md stays in step with the code', () => {
  it('lists every environment variable of every app in its configuration table', () => {
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Benchmarks'));
    const names = new Set(Object.keys(COMMON_ENV));
    for (const app of readdirSync(join(root, 'apps'))) {
      const config = join(root, 'apps', app, 'src', 'config.ts');
      let text: string;
      try {
        text = readFileSync(config, 'utf8');
      } catch {
        continue;
      }
      for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9_]+): /gm)) names.add(m[1]);
    }
    expect(names.size).toBeGreaterThan(5);
    const missing = [...names].filter((n) => !table.includes(`\`${n}\``));
    expect(missing).toEqual([]);
  });

  it('documents every CSV column of every kind', () => {
    const formats = readme.slice(readme.indexOf('### CSV formats'), readme.indexOf('### HTTP API'));
    const missing = RECORD_KINDS.flatMap((kind) => KIND_SPECS[kind].columns.map((c) => `${kind}.${c.name}`)).filter(
      (k) => !formats.includes(k.split('.')[1]),
    );
    expect(missing).toEqual([]);
    for (const kind of RECORD_KINDS) {
      for (const c of KIND_SPECS[kind].columns.filter((col) => col.required)) {
        // Required columns are starred or marked "required" in their section.
        const section = formats.slice(formats.indexOf(`**${kind === 'payments' ? 'payments' : kind}.csv**`));
        expect([kind, c.name, new RegExp(`${c.name}(\`\\*| \\| required)`).test(section)]).toEqual([kind, c.name, true]);
      }
    }
  });

  it('shows the two commands of the quick start', () => {
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## What is built'));
    expect(quick).toContain('npm run demo');
    expect(quick).toContain('npm test');
  });
});
