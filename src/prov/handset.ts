/**
 * What a handset does with a provisioning push (ProvBoot §5.4, ProvCont §5): checks the MAC with the PIN the
 * user types (or the IMSI it holds), decodes the document and shows the settings. Used by the handset
 * simulator (`wapgate phone receive --pin 1234`); pure apart from node:crypto.
 */
import type { XmlElement } from '../wbxml/encode.ts';
import type { ContentType } from '../wsp/content-type.ts';
import { formatContentType } from '../wsp/content-type.ts';
import { decodeProvWbxml } from './decode.ts';
import { ProvError } from './errors.ts';
import { provKindOfType, secFromContentType } from './push.ts';
import { verifyProvisioning, type SecMethod } from './security.ts';

export interface ReceivedSettings {
  kind: 'oma' | 'ota-settings' | 'ota-bookmarks';
  sec?: SecMethod;
  /** true/false once checked; undefined when the push is unsigned or no PIN/IMSI was given to check with. */
  verified?: boolean;
  /** Why the push cannot be used (bad MAC, undecodable document). */
  problem?: string;
  settings: Record<string, unknown>;
  xml?: string;
}

export function isProvisioningType(ct: ContentType | undefined): boolean {
  return !!ct && provKindOfType(ct.type) !== undefined;
}

export function readProvisioningPush(ct: ContentType, data: Buffer, creds: { pin?: string; imsi?: string } = {}): ReceivedSettings {
  const k = provKindOfType(ct.type)!;
  const out: ReceivedSettings = { kind: k.kind, settings: {} };
  let sec: SecMethod | undefined;
  let mac: string | undefined;
  try {
    ({ sec, mac } = secFromContentType(formatContentType(ct)));
  } catch (e) {
    if (!(e instanceof ProvError)) throw e;
    out.problem = e.message;
  }
  if (sec) out.sec = sec;
  if (sec && (creds.pin !== undefined || creds.imsi !== undefined)) {
    out.verified = verifyProvisioning(data, sec, mac, creds);
    // ProvBoot §5.4: a document whose MAC does not verify is discarded, never applied.
    if (!out.verified) {
      out.problem = `MAC does not verify with the given ${sec === 'NETWPIN' ? 'IMSI' : 'PIN'}`;
      return out;
    }
  }
  try {
    const d = decodeProvWbxml(data, { kind: k.kind === 'oma' ? 'oma' : 'ota' });
    out.xml = d.xml;
    out.settings = k.kind === 'oma' ? omaSummary(d.root) : otaSummary(d.root);
  } catch (e) {
    out.problem = `undecodable document: ${(e as Error).message}`;
  }
  return out;
}

const kids = (el: XmlElement): XmlElement[] => el.children.filter((c): c is XmlElement => typeof c !== 'string');
const at = (el: XmlElement, n: string) => el.attrs.find(([a]) => a === n)?.[1];

function parms(el: XmlElement): Record<string, string> {
  const o: Record<string, string> = {};
  for (const p of kids(el)) if (p.name === 'parm') o[at(p, 'name') ?? ''] = at(p, 'value') ?? '';
  return o;
}

function chars(el: XmlElement, type: string): XmlElement[] {
  return kids(el).filter((c) => c.name === 'characteristic' && at(c, 'type') === type);
}

/** The settings a user would see: access points, proxies, MMS and browser applications. */
function omaSummary(root: XmlElement): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  const naps = chars(root, 'NAPDEF').map((n) => {
    const p = parms(n);
    const auth = chars(n, 'NAPAUTHINFO').map(parms)[0];
    return { id: p.NAPID, name: p.NAME, apn: p['NAP-ADDRESS'], bearer: p.BEARER, ...(auth ? { auth: { type: auth.AUTHTYPE, user: auth.AUTHNAME } } : {}) };
  });
  if (naps.length) s.accessPoints = naps;
  const proxies = chars(root, 'PXLOGICAL').map((l) => {
    const p = parms(l);
    const phys = chars(l, 'PXPHYSICAL').map((ph) => {
      const q = parms(ph);
      const port = chars(ph, 'PORT').map(parms)[0];
      return { address: q.PXADDR, napId: q['TO-NAPID'], ...(port ? { port: port.PORTNBR, service: port.SERVICE } : {}) };
    });
    return { id: p['PROXY-ID'], name: p.NAME, ...(p.STARTPAGE ? { startPage: p.STARTPAGE } : {}), physical: phys };
  });
  if (proxies.length) s.proxies = proxies;
  const others: Record<string, string | undefined>[] = [];
  for (const app of chars(root, 'APPLICATION')) {
    const p = parms(app);
    if (p.APPID === 'w4') s.mms = { mmsc: p.ADDR, proxy: p['TO-PROXY'], napId: p['TO-NAPID'], name: p.NAME };
    else if (p.APPID === 'w2') {
      const res = chars(app, 'RESOURCE').map(parms);
      s.browser = {
        name: p.NAME,
        home: res.find((r) => 'STARTPAGE' in r)?.URI,
        bookmarks: res.filter((r) => !('STARTPAGE' in r)).map((r) => ({ name: r.NAME, url: r.URI })),
      };
    } else others.push({ appId: p.APPID, name: p.NAME, addr: p.ADDR });
  }
  if (others.length) s.applications = others;
  return s;
}

function otaSummary(root: XmlElement): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  const bookmarks: { name?: string; url?: string }[] = [];
  for (const c of kids(root)) {
    const p: Record<string, string> = {};
    for (const q of kids(c)) p[at(q, 'NAME') ?? ''] = at(q, 'VALUE') ?? '';
    switch (at(c, 'TYPE')) {
      case 'ADDRESS':
        s.address = { bearer: p.BEARER, proxy: p.PROXY, port: p.PORT, apn: p.GPRS_ACCESSPOINTNAME, user: p.PPP_AUTHNAME };
        break;
      case 'URL':
        s.home = at(c, 'VALUE');
        break;
      case 'MMSURL':
        s.mmsc = at(c, 'VALUE');
        break;
      case 'NAME':
        s.name = p.NAME;
        break;
      case 'BOOKMARK':
        bookmarks.push({ name: p.NAME, url: p.URL });
        break;
    }
  }
  if (bookmarks.length) s.bookmarks = bookmarks;
  return s;
}
