/** `content:` — what the gateway does to content between servers and WAP 1.x handsets (src/content/). */
import * as z from 'zod';
import { duration, group, key, size } from '../meta.ts';

export const contentSection = group({
  errors: key(z.enum(['deck', 'status']).default('deck'), {
    description:
      'A WML/WMLScript source that cannot be compiled (or compiles larger than the handset takes): "deck" answers a WML error deck saying what went wrong with a link back, "status" answers 502.',
    reloadable: true,
  }),
  strict: key(z.boolean().default(false), {
    description: 'Refuse WML that is not valid against the WML 1.3 DTD (else unknown elements and attributes go as WBXML literals).',
    reloadable: true,
  }),
  wml: key(z.boolean().default(true), {
    description: 'Compile text/vnd.wap.wml replies and pushes to application/vnd.wap.wmlc.',
    reloadable: true,
  }),
  wmlscript: key(z.boolean().default(true), {
    description: 'Compile text/vnd.wap.wmlscript replies to application/vnd.wap.wmlscriptc.',
    reloadable: true,
  }),
  charset: key(z.boolean().default(true), {
    description: "Convert text replies (WML, XHTML-MP, text/*) into a charset the handset's Accept-Charset allows when the upstream's is not one.",
    reloadable: true,
  }),
  accept: key(z.boolean().default(true), {
    description:
      'Add text/vnd.wap.wml and text/vnd.wap.wmlscript (and the charsets we convert from) to the Accept/Accept-Charset sent upstream when the handset accepts the compiled forms.',
    reloadable: true,
  }),
  cookies: key(z.enum(['jar', 'pass']).default('jar'), {
    description:
      '"jar": the gateway keeps Set-Cookie in a cookie jar per WSP session (domain, path, expiry, Secure, HttpOnly honoured) and sends each host only its cookies; "pass": cookies go between handset and server untouched.',
  }),
  cookiesPerSession: key(z.number().int().min(1).max(10_000).default(50), {
    description: 'Cookies kept per WSP session (the oldest go first).',
  }),
  cookieBytes: key(size().default(64 * 1024 * 1024), {
    description: 'Memory all cookie jars together may hold (octets of names, values, domains and paths); beyond it the jars of the least recently started sessions are emptied first.',
  }),
  cacheEntries: key(z.number().int().min(0).default(1000), {
    description: 'Compiled decks and scripts kept in the compile cache (keyed by body hash and target), 0 = no cache.',
  }),
  cacheBytes: key(size().default(8 * 1024 * 1024), {
    description: 'Total size of the compiled decks and scripts kept in the compile cache.',
  }),
  maxSourceBytes: key(size().default(256 * 1024), {
    description: 'Largest WML or WMLScript source the gateway compiles; larger is an error deck.',
  }),
  maxCompileTime: key(duration().default(250), {
    description: 'A compile that takes longer than this is given up (error deck); bounds hostile sources.',
  }),
});
