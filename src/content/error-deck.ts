/**
 * The WML error deck a handset gets instead of content it could not render (a source that does not compile,
 * a deck larger than the handset takes): a title, what went wrong, a Back softkey and, when known, a link to
 * the page the user came from or to retry. Text WML 1.1 (every WAP 1.x browser reads it), compiled like any
 * other deck. Like Kannel's "smart errors", but it says what went wrong and where.
 */
import { ContentError } from './errors.ts';

/** XML text escaping plus WML's '$' (WAP-191 §10.3: a literal '$' is written '$$'). */
export function wmlEscape(s: string): string {
  return s.replace(/[&<>"'$]/g, (c) => ESC[c]!);
}
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', $: '$$' };

/** Characters an error message may carry: printable, bounded (a hostile source's text is echoed here). */
function clean(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** A WML deck (text) with one card: title, message, Back, and a link to backHref when given. */
export function errorDeck(title: string, message: string, backHref?: string): string {
  const t = wmlEscape(clean(title, 40));
  const m = wmlEscape(clean(message, 300));
  const link = backHref && /^https?:\/\/[^\s"<>]{1,500}$/i.test(backHref) ? `\n<p><a href="${wmlEscape(backHref)}">Try again</a></p>` : '';
  return `<?xml version="1.0"?>
<!DOCTYPE wml PUBLIC "-//WAPFORUM//DTD WML 1.1//EN" "http://www.wapforum.org/DTD/wml_1.1.xml">
<wml>
<card id="error" title="${t}">
<do type="prev" label="Back"><prev/></do>
<p>${m}</p>${link}
</card>
</wml>
`;
}

/** The title and message for a content error (the source's line and column when known). */
export function describeError(e: unknown, what: string): { title: string; message: string } {
  if (e instanceof ContentError) {
    const where = e.line !== undefined ? ` (line ${e.line}, column ${e.column ?? 0})` : '';
    switch (e.code) {
      case 'CONTENT_ERR_TOO_LARGE':
        return { title: 'Page too large', message: `This ${what} is too large for this phone: ${e.detail}.` };
      case 'CONTENT_ERR_CHARSET':
        return { title: 'Cannot show page', message: `This ${what} uses a character set the gateway cannot read: ${e.detail}.` };
      default:
        return { title: 'Page error', message: `This ${what} has an error the phone cannot show: ${e.detail}${where}.` };
    }
  }
  const err = e as { message?: string; line?: number; column?: number };
  const where = typeof err.line === 'number' ? ` (line ${err.line}, column ${err.column ?? 0})` : '';
  return { title: 'Page error', message: `This ${what} has an error: ${String(err.message ?? e)}${where}.` };
}
