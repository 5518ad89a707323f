/**
 * Test vectors written as annotated hex: one token a line, `hex 'text' | comment`; quoted text stands for its
 * UTF-8 octets. Shared by the WBXML and WML compiler tests.
 */
export function hex(annotated: string): string {
  return annotated
    .split('\n')
    .map((l) => l.split('|')[0]!)
    .join(' ')
    .replace(/'([^']*)'/g, (_, s: string) => Buffer.from(s, 'utf8').toString('hex'))
    .replace(/\s+/g, '')
    .toLowerCase();
}
