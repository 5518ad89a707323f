/**
 * Regenerates the configuration reference in README.md between
 * `<!-- config-reference:start -->` and `<!-- config-reference:end -->` (or prints it with --stdout).
 *   npx tsx scripts/gen-config-doc.ts [--stdout] [README.md]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReference, spliceReference } from '../src/config/reference.ts';

const args = process.argv.slice(2);
if (args.includes('--stdout')) {
  process.stdout.write(renderReference() + '\n');
} else {
  const file = args.find((a) => !a.startsWith('-')) ?? 'README.md';
  const readme = readFileSync(file, 'utf8');
  const next = spliceReference(readme);
  if (next === undefined) {
    process.stderr.write(`${file} has no <!-- config-reference:start --> / <!-- config-reference:end --> markers\n`);
    process.exit(1);
  }
  if (next !== readme) writeFileSync(file, next);
  process.stdout.write(`${file}: configuration reference ${next === readme ? 'already up to date' : 'updated'}\n`);
}
