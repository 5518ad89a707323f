/**
 * WSP Content-type-value (WAP-230 §8.4.2.24): Constrained-media (Short-integer well-known code or
 * Extension-media text) | Content-general-form (Value-length Media-type *Parameter).
 *
 * CONTRACT (other modules depend on these names and shapes; the implementation is owned by the headers work):
 */
import type { Reader } from '../wire/reader.ts';
import type { Writer } from '../wire/writer.ts';

export interface Parameter {
  /** Lower-case parameter name, e.g. 'charset', 'type', 'start', 'name'. */
  name: string;
  /** Value as text (charset by name, e.g. 'utf-8'; q as '0.5'; type as a media type string). */
  value: string;
}

export interface ContentType {
  /** Lower-case media type, e.g. 'application/vnd.wap.mms-message'. */
  type: string;
  params: Parameter[];
}

export function readContentType(_r: Reader): ContentType {
  throw new Error('not implemented yet');
}

/** Encodes with the well-known code when one exists, the constrained form when there are no parameters. */
export function writeContentType(_w: Writer, _ct: ContentType): void {
  throw new Error('not implemented yet');
}

/** 'text/plain; charset=utf-8' → ContentType (lenient, for HTTP-side text). */
export function parseContentType(_text: string): ContentType {
  throw new Error('not implemented yet');
}

/** ContentType → HTTP text form. */
export function formatContentType(_ct: ContentType): string {
  throw new Error('not implemented yet');
}
