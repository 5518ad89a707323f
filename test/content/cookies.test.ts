import { describe, expect, it } from 'vitest';
import { ContentConverter, type HeaderPair } from '../../src/content/converter.ts';
import { CookieJars } from '../../src/content/cookies.ts';

describe('cookie jar per WSP session (RFC 6265 via tough-cookie)', () => {
  it('a cookie set by a host goes back to that host and path only', () => {
    const j = new CookieJars({ perSession: 50 });
    j.store(1, 'http://shop.example.com/login', ['sid=abc; Path=/cart', 'lang=en']);
    // RFC 6265 §5.1.4: without Path, the directory of the request (here /)
    j.store(1, 'http://shop.example.com/cart/add', ['item=7']);
    expect(j.cookieHeader(1, 'http://shop.example.com/cart/view')).toBe('sid=abc; item=7; lang=en');
    expect(j.cookieHeader(1, 'http://shop.example.com/other')).toBe('lang=en');
    expect(j.cookieHeader(1, 'http://evil.example.net/cart/view')).toBeUndefined();
    // Domain cookies reach the subdomains; a public suffix is refused
    j.store(1, 'http://www.example.org/', ['d=1; Domain=example.org', 'bad=1; Domain=org']);
    expect(j.cookieHeader(1, 'http://m.example.org/')).toBe('d=1');
    expect(j.cookieHeader(1, 'http://other.org/')).toBeUndefined();
  });

  it('Secure only over https, HttpOnly still sent to servers, expiry honoured', () => {
    let now = Date.now();
    const j = new CookieJars({ perSession: 50, now: () => now });
    j.store(2, 'https://bank.example.com/', ['s=1; Secure', 'h=2; HttpOnly', 'gone=3; Max-Age=0']);
    expect(j.cookieHeader(2, 'http://bank.example.com/')).toBe('h=2');
    expect(j.cookieHeader(2, 'https://bank.example.com/')).toBe('s=1; h=2');
    j.store(2, 'https://bank.example.com/', ['s=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(j.cookieHeader(2, 'https://bank.example.com/')).toBe('h=2');
    now += 1;
  });

  it('Max-Age counts from reception on the injected clock, not from the last request (RFC 6265 §5.2.2)', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const j = new CookieJars({ perSession: 50, now: () => now });
    const url = 'http://a.example.com/';
    j.store(4, url, ['m=1; Max-Age=60', 'e=2; Expires=Thu, 01 Jan 2026 00:02:00 GMT', 's=3']);
    expect(j.cookieHeader(4, url)).toBe('m=1; e=2; s=3');
    now += 30_000;
    // read half-way: reading must not push the expiry back
    expect(j.cookieHeader(4, url)).toBe('m=1; e=2; s=3');
    now += 31_000;
    expect(j.cookieHeader(4, url)).toBe('e=2; s=3');
    now += 60_000;
    expect(j.cookieHeader(4, url)).toBe('s=3');
    // a server deletes a cookie with Max-Age=0
    j.store(4, url, ['s=3; Max-Age=0']);
    expect(j.cookieHeader(4, url)).toBeUndefined();
  });

  it('a reply that lands after its session ended keeps no cookies: no jar outlives its session', () => {
    const c = new ContentConverter();
    const hook = c.cookieHook(9)!; // the request started while the session lived
    c.sessionEnded(9); // the handset disconnected while the server was answering
    expect(hook.received('http://a.example.com/', [['Set-Cookie', 'late=1']])).toEqual([]);
    expect(c.jars.size).toBe(0);
    expect(c.cookieHook(9)!.header('http://a.example.com/')).toBeUndefined();
  });

  it('not across sessions; a session’s jar ends with it; bounded per session', () => {
    const j = new CookieJars({ perSession: 3 });
    j.store(1, 'http://a.example.com/', ['x=1']);
    expect(j.cookieHeader(2, 'http://a.example.com/')).toBeUndefined();
    j.sessionEnded(1);
    expect(j.cookieHeader(1, 'http://a.example.com/')).toBeUndefined();
    j.store(3, 'http://a.example.com/', ['a=1', 'b=2', 'c=3', 'd=4', 'e=5']);
    expect(j.cookieHeader(3, 'http://a.example.com/')!.split('; ')).toHaveLength(3);
    j.store(3, 'http://a.example.com/', [`big=${'x'.repeat(5000)}`]);
    expect(j.cookieHeader(3, 'http://a.example.com/')).not.toContain('big=');
  });

  it('the gateway hook: Set-Cookie kept from the handset; connectionless has no jar; "pass" leaves them', () => {
    const c = new ContentConverter();
    const hook = c.cookieHook(7)!;
    const headers: HeaderPair[] = [['Set-Cookie', 'sid=1'], ['Cache-Control', 'no-cache']];
    expect(hook.received('http://a.example.com/', headers)).toEqual([['Cache-Control', 'no-cache']]);
    expect(hook.header('http://a.example.com/x')).toBe('sid=1');
    expect(c.cookieHook(8)!.header('http://a.example.com/x')).toBeUndefined();
    const cl = c.cookieHook(undefined)!;
    expect(cl.received('http://a.example.com/', headers)).toEqual([['Cache-Control', 'no-cache']]);
    expect(cl.header('http://a.example.com/')).toBeUndefined();
    c.sessionEnded(7);
    expect(c.cookieHook(7)!.header('http://a.example.com/x')).toBeUndefined();
    expect(new ContentConverter({ cookies: 'pass' }).cookieHook(7)).toBeUndefined();
  });
});

describe('cookie memory is bounded across all sessions', () => {
  it('beyond maxBytes the jars of the least recently started sessions are emptied; the total stays under the cap', () => {
    const jars = new CookieJars({ perSession: 50, maxBytes: 20_000 });
    const big = 'v'.repeat(1000);
    for (let s = 1; s <= 100; s++) {
      jars.store(s, `http://host${s}.example/`, [`a=${big}`, `b=${big}`]);
      expect(jars.totalBytes).toBeLessThanOrEqual(20_000);
    }
    // The newest sessions keep their cookies; the oldest lost theirs.
    expect(jars.cookieHeader(100, 'http://host100.example/')).toContain('a=');
    expect(jars.cookieHeader(1, 'http://host1.example/')).toBeUndefined();
    // Ending a session gives its octets back.
    const before = jars.totalBytes;
    jars.sessionEnded(100);
    expect(jars.totalBytes).toBeLessThan(before);
  });

  it('a jar trimmed to cookiesPerSession counts only what it keeps', () => {
    const jars = new CookieJars({ perSession: 2 });
    jars.store(1, 'http://h.example/', ['a=1111', 'b=2222', 'c=3333', 'd=4444']);
    expect(jars.totalBytes).toBe(2 * ('a'.length + '1111'.length + 'h.example'.length + '/'.length));
  });
});
