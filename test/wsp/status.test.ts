import { describe, expect, it } from 'vitest';
import { hasWspForm, httpToWspStatus, isKnownWspStatus, statusReason, WSP_STATUS_TABLE, wspToHttpStatus } from '../../src/wsp/status.ts';

describe('WSP ⇄ HTTP status (WAP-230 Table 36)', () => {
  it('has the 40 assignments from 0x10 Continue to 0x65 HTTP Version Not Supported', () => {
    expect(WSP_STATUS_TABLE).toHaveLength(40);
    expect(WSP_STATUS_TABLE[0]).toEqual([0x10, 100, 'Continue']);
    expect(WSP_STATUS_TABLE.at(-1)).toEqual([0x65, 505, 'HTTP Version Not Supported']);
  });

  it.each([
    [0x10, 100], [0x11, 101], [0x20, 200], [0x21, 201], [0x22, 202], [0x23, 203], [0x24, 204], [0x25, 205], [0x26, 206],
    [0x30, 300], [0x31, 301], [0x32, 302], [0x33, 303], [0x34, 304], [0x35, 305], [0x37, 307],
    [0x40, 400], [0x41, 401], [0x42, 402], [0x43, 403], [0x44, 404], [0x45, 405], [0x46, 406], [0x47, 407], [0x48, 408],
    [0x49, 409], [0x4a, 410], [0x4b, 411], [0x4c, 412], [0x4d, 413], [0x4e, 414], [0x4f, 415], [0x50, 416], [0x51, 417],
    [0x60, 500], [0x61, 501], [0x62, 502], [0x63, 503], [0x64, 504], [0x65, 505],
  ])('0x%s ⇄ %s', (wsp, http) => {
    expect(wspToHttpStatus(wsp)).toBe(http);
    expect(httpToWspStatus(http)).toBe(wsp);
    expect(isKnownWspStatus(wsp)).toBe(true);
    expect(hasWspForm(http)).toBe(true);
  });

  it('HTTP codes with no WSP form take their class generic code', () => {
    expect(httpToWspStatus(102)).toBe(0x10);
    expect(httpToWspStatus(207)).toBe(0x20);
    expect(httpToWspStatus(226)).toBe(0x20);
    expect(httpToWspStatus(306)).toBe(0x30);
    expect(httpToWspStatus(308)).toBe(0x30);
    expect(httpToWspStatus(418)).toBe(0x40);
    expect(httpToWspStatus(429)).toBe(0x40);
    expect(httpToWspStatus(451)).toBe(0x40);
    expect(httpToWspStatus(507)).toBe(0x60);
    expect(httpToWspStatus(599)).toBe(0x60);
    expect(hasWspForm(429)).toBe(false);
  });

  it('non-HTTP numbers become 500', () => {
    for (const n of [0, 99, 600, 999, -1, 200.5, Number.NaN]) expect(httpToWspStatus(n)).toBe(0x60);
  });

  it('unassigned WSP octets map to the class of their range', () => {
    expect(wspToHttpStatus(0x12)).toBe(100);
    expect(wspToHttpStatus(0x2f)).toBe(200);
    expect(wspToHttpStatus(0x36)).toBe(300);
    expect(wspToHttpStatus(0x52)).toBe(400);
    expect(wspToHttpStatus(0x5f)).toBe(400);
    expect(wspToHttpStatus(0x66)).toBe(500);
    expect(wspToHttpStatus(0x00)).toBe(500);
    expect(wspToHttpStatus(0xff)).toBe(500);
    expect(isKnownWspStatus(0x36)).toBe(false);
  });

  it('reason phrases', () => {
    expect(statusReason(404)).toBe('Not Found');
    expect(statusReason(418)).toBeUndefined();
  });
});
