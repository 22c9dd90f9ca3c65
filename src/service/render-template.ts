import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's installers/ folder (beside dist/ and src/). */
export const INSTALLERS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'installers',
);

/**
 * A template of installers/ with each {{KEY}} replaced by its value, already escaped for the file's format. A
 * key the template has and the values lack (or the other way round) is a bug here, said at once.
 */
export function renderTemplate(relative: string, values: Readonly<Record<string, string>>): string {
  const template = fs.readFileSync(path.join(INSTALLERS_DIR, relative), 'utf8');
  const used = new Set<string>();
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`installers/${relative}: no value for {{${key}}}`);
    used.add(key);
    return value;
  });
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length) throw new Error(`installers/${relative}: no {{${unused.join('}}, {{')}}} to fill in`);
  return text;
}

/** Text for XML (element content and attribute values). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
