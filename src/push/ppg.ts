/**
 * The PAP endpoint (WAP-247 §8, over HTTP POST like Kannel's :8080/wappush) in front of the PPG engine:
 * authenticates the push initiator (trusted IP list, then HTTP Basic or Kannel-style ?username=&password=),
 * reads the bounded body, parses multipart/related + control XML, compiles the content, and answers every
 * request with a PAP document — never an HTTP 500 for bad input.
 *
 *   const ppg = createPpg(options, deps); await ppg.listen(8080, '127.0.0.1'); ... await ppg.close();
 *   http.createServer(ppg.handler)  // or mount the handler in another server
 */
import { readBody } from '../net/read-body.ts';
import { cancelAnywhere, statusAnywhere } from './anywhere.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { SmsPushSender } from '../bearer/sms/sender.ts';
import { cidrSet, parseIp } from '../net/ip.ts';
import type { PushCompiler } from './content.ts';
import { existsSync, renameSync } from 'node:fs';
import type { Store } from '../store/index.ts';
import { loadState } from './persist.ts';
import { SqlitePushQueue } from './queue-sqlite.ts';
import { PpgEngine, type PpgDeps, type RecoveryReport } from './engine.ts';
import { PPG_DEFAULTS, resolvePpgOptions, type PapCredential, type PpgOptions, type PpgOptionsInput } from './options.ts';
import { PapCode, PapError, papCodeDescription } from './pap-codes.ts';
import { MAX_CONTROL_SIZE } from './pap-limits.ts';
import type { PapMessage, PapVersion } from './pap-parse.ts';
import {
  badMessageResponseXml,
  cancelResponseXml,
  ccqResponseXml,
  pushResponseXml,
  statusQueryResponseXml,
} from './pap-xml.ts';

export interface PpgCreateDeps extends PpgDeps {
  /** SI/SL/CO → WBXML; default src/wbxml's compilePushContent (pass-through until it exists). */
  compile?: PushCompiler;
  /** The durable store: the queue lives in it (room 'ppg'). Without it (and without deps.queue) nothing survives a restart. */
  store?: Store;
}

export interface Ppg {
  readonly options: PpgOptions;
  readonly engine: PpgEngine;
  /** node:http request handler for the PAP endpoint (answers 404 outside options.papPath). */
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** Starts an HTTP server for the handler (defaults: options.papPort / papBind). */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops the listener, the engine (running deliveries and notifications are awaited) and its own SMPP link. */
  close(): Promise<void>;
  /** Resolves once the durable queue has been read back (requests wait for it; listen() too). */
  readonly ready: Promise<RecoveryReport>;
  /** Replaces who may push (SIGHUP reload of push.trustedIps / push.credentials); later requests see it. */
  setAccess(access: { trustedIps: readonly string[]; credentials: readonly PapCredential[] }): void;
}

/**
 * The PAP parsers (fast-xml-parser, the multipart reader) and the content compilers (WBXML, provisioning),
 * loaded at the first PAP request: a PPG nobody pushes to never holds them.
 */
type PapModules = {
  parsePapBody: typeof import('./pap-multipart.ts').parsePapBody;
  parsePapControl: typeof import('./pap-parse.ts').parsePapControl;
  papVersion: typeof import('./pap-parse.ts').papVersion;
  compilePushContent: typeof import('./content.ts').compilePushContent;
};
let papModules: Promise<PapModules> | undefined;
function loadPapModules(): Promise<PapModules> {
  return (papModules ??= Promise.all([import('./pap-multipart.ts'), import('./pap-parse.ts'), import('./content.ts')]).then(([m, p, c]) => ({
    parsePapBody: m.parsePapBody,
    parsePapControl: p.parsePapControl,
    papVersion: p.papVersion,
    compilePushContent: c.compilePushContent,
  })));
}

interface Answer {
  status: number;
  xml: string;
  headers?: Record<string, string>;
}

export function createPpg(input: PpgOptionsInput = {}, givenDeps: PpgCreateDeps = {}): Ppg {
  const options = resolvePpgOptions(input);
  // push.smpp.enabled without an injected sender: the PPG runs its own SMPP client (bound until close()).
  const ownSmpp = options.smpp.enabled && !givenDeps.sms ? ownSmppSender(options.smpp, givenDeps.log) : undefined;
  const deps: PpgCreateDeps = { ...givenDeps, ...(ownSmpp ? { sms: ownSmpp } : {}) };
  if (!deps.queue && deps.store) deps.queue = new SqlitePushQueue(deps.store);
  const engine = new PpgEngine(options, deps);
  // Ready once the queue is read back and the PPG's own SMPP client (if any) is loaded: listen() waits for both.
  const ready = Promise.all([recoverQueue(engine, options.queue.stateFile, deps), ownSmpp?.loaded]).then(([report]) => report);
  ready.catch(() => undefined);
  let trusted = cidrSet(options.trustedIps, 'push.trustedIps');
  const bodyLimit = options.maxContentSize * 2 + MAX_CONTROL_SIZE + 16 * 1024;
  let server: Server | undefined;

  const reject = (reason: string): void => deps.metrics?.rejectedInputs?.labels('pap', reason).inc();

  function ipTrusted(ip: string): boolean {
    const p = parseIp(ip);
    return !!p && trusted.match(p) !== undefined;
  }

  function credentialsOk(req: IncomingMessage, url: URL): { ok: boolean; user?: string } {
    if (options.credentials.length === 0) return { ok: true };
    let user: string | undefined;
    let pass: string | undefined;
    const auth = req.headers.authorization;
    if (auth && /^basic\s+/i.test(auth)) {
      const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0) [user, pass] = [decoded.slice(0, i), decoded.slice(i + 1)];
    } else if (url.searchParams.has('username')) {
      // Kannel's PIs (test_ppg) send the credentials in the query string.
      user = url.searchParams.get('username') ?? undefined;
      pass = url.searchParams.get('password') ?? '';
    }
    if (user === undefined || pass === undefined) return { ok: false };
    const ok = options.credentials.some((c) => same(c.username, user!) && same(c.password, pass!));
    return ok ? { ok, user } : { ok: false, user };
  }

  async function process(pap: PapModules, req: IncomingMessage, url: URL, body: Buffer, who: { ip: string; user?: string }): Promise<Answer> {
    let version: PapVersion = '2.0';
    let msg: PapMessage | undefined;
    try {
      const parts = pap.parsePapBody(req.headers['content-type'], body, options.maxContentSize);
      version = safeVersion(pap, parts.control);
      msg = pap.parsePapControl(parts.control);
      switch (msg.kind) {
        case 'push-message': {
          if (!parts.content) throw new PapError(PapCode.BAD_REQUEST, 'push-message without a content entity');
          if (parts.content.tooLarge !== undefined) {
            throw new PapError(PapCode.BAD_REQUEST, `content entity of ${parts.content.tooLarge} octets exceeds ${options.maxContentSize}`);
          }
          if (!parts.content.contentType) throw new PapError(PapCode.BAD_REQUEST, 'content entity without Content-Type');
          // WAP-247 §8.3 / WAP-249 §5.3: this PPG holds no client capability repository, so it cannot match a
          // capabilities entity and says so rather than pushing content the handset may not take.
          if (parts.capabilities !== undefined) {
            throw new PapError(PapCode.CAPABILITY_MATCHING_NOT_SUPPORTED, 'capabilities entity given; capability matching is not supported');
          }
          const compiled = await pap.compilePushContent(parts.content.contentType, parts.content.body, deps.compile);
          if (compiled.body.length > options.maxContentSize) {
            throw new PapError(PapCode.BAD_REQUEST, `content larger than ${options.maxContentSize} octets`);
          }
          // WAP-247 §8.2: X-Wap-Application-Id may also come as a header of the PAP request itself.
          const entityHeaders = [...parts.content.headers];
          const appId = req.headers['x-wap-application-id'];
          if (typeof appId === 'string' && !entityHeaders.some(([k]) => k === 'x-wap-application-id')) {
            entityHeaders.push(['x-wap-application-id', appId]);
          }
          const initiatorUri = typeof req.headers['x-wap-initiator-uri'] === 'string' ? req.headers['x-wap-initiator-uri'] : undefined;
          const r = await engine.submit(
            msg,
            {
              contentType: compiled.contentType,
              body: compiled.body,
              entityHeaders,
              ...(initiatorUri ? { initiatorUri } : {}),
              // WAP-230 §8.4.2.66 bit 0: the initiator URI was authenticated by the PPG.
              pushFlag: who.user && (initiatorUri || entityHeaders.some(([k]) => k === 'x-wap-initiator-uri')) ? 1 : 0,
            },
            who,
          );
          return pushAnswer(msg.version, msg.pushId, r.code, r.desc);
        }
        case 'cancel-message':
          return { status: 200, xml: cancelResponseXml({ version, pushId: msg.pushId, results: await cancelAnywhere(engine, msg) }) };
        case 'statusquery-message':
          return { status: 200, xml: statusQueryResponseXml({ version, pushId: msg.pushId, results: await statusAnywhere(engine, msg) }) };
        case 'ccq-message':
          // WAP-247 §9.7: client capabilities are not known to this PPG (no capability repository).
          return {
            status: 200,
            xml: ccqResponseXml({ version, queryId: msg.queryId, code: PapCode.CAPABILITIES_NOT_AVAILABLE, ...(msg.address ? { address: msg.address.raw } : {}) }),
          };
        case 'resultnotification-response':
          return { status: 200, xml: badMessageResponseXml({ version, code: PapCode.BAD_REQUEST, desc: 'resultnotification-response is sent to the PI, not the PPG' }) };
      }
    } catch (e) {
      if (!(e instanceof PapError)) throw e;
      reject(`pap_${e.code}`);
      if (msg && msg.kind === 'push-message') return pushAnswer(msg.version, msg.pushId, e.code, e.desc);
      return { status: 400, xml: badMessageResponseXml({ version, code: e.code, desc: e.desc, ...(e.fragment ? { fragment: e.fragment } : {}) }) };
    }
  }

  function pushAnswer(version: PapVersion, pushId: string, code: number, desc?: string): Answer {
    const xml = pushResponseXml({
      version,
      pushId,
      senderAddress: options.papPath,
      senderName: options.senderName ?? PPG_DEFAULTS.senderName,
      replyTime: new Date(),
      code,
      desc: desc ?? papCodeDescription(code),
    });
    // Kannel answers 202 Accepted to an accepted push; an error code travels in the PAP document, with an HTTP
    // status a plain HTTP client understands too (a full queue is temporary: 503 with Retry-After).
    if (code === PapCode.SERVICE_UNAVAILABLE || code === PapCode.SERVICE_FAILURE) {
      return { status: 503, headers: { 'retry-after': String(Math.max(1, Math.round(options.queue.retryInterval / 1000))) }, xml };
    }
    return { status: code === PapCode.ACCEPTED_FOR_PROCESSING ? 202 : code < 2000 ? 200 : code === PapCode.FORBIDDEN ? 403 : 400, xml };
  }

  /** Auth failures still name the push-id when the control entity can be read (WAP-247 push-response). */
  function forbidden(pap: PapModules, req: IncomingMessage, body: Buffer, status: number, desc: string): Answer {
    reject('pap_2001');
    const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Basic realm="wapgate PPG"' } : {};
    try {
      const parts = pap.parsePapBody(req.headers['content-type'], body, options.maxContentSize);
      const msg = pap.parsePapControl(parts.control);
      if (msg.kind === 'push-message') return { ...pushAnswer(msg.version, msg.pushId, PapCode.FORBIDDEN, desc), status, headers };
    } catch {
      // unreadable: a badmessage-response below
    }
    return { status, headers, xml: badMessageResponseXml({ code: PapCode.FORBIDDEN, desc }) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await ready;
    const url = new URL(req.url ?? '/', 'http://ppg.invalid');
    if (url.pathname !== options.papPath) return send(res, { status: 404, xml: badMessageResponseXml({ code: PapCode.BAD_REQUEST, desc: `no PAP endpoint at ${url.pathname}` }) });
    if (req.method !== 'POST') {
      return send(res, { status: 405, headers: { allow: 'POST' }, xml: badMessageResponseXml({ code: PapCode.BAD_REQUEST, desc: 'PAP requests are POSTed' }) });
    }
    const ip = req.socket.remoteAddress ?? '';
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > bodyLimit) {
      reject('too_large');
      req.resume();
      return send(res, { status: 413, headers: { connection: 'close' }, xml: badMessageResponseXml({ code: PapCode.BAD_REQUEST, desc: `request larger than ${bodyLimit} octets` }) });
    }
    const body = await readBody(req, bodyLimit);
    if (!body) {
      reject('too_large');
      res.on('finish', () => setTimeout(() => req.destroy(), 1000).unref());
      return send(res, { status: 413, headers: { connection: 'close' }, xml: badMessageResponseXml({ code: PapCode.BAD_REQUEST, desc: `request larger than ${bodyLimit} octets` }) });
    }
    const pap = await loadPapModules();
    if (!ipTrusted(ip)) return send(res, forbidden(pap, req, body, 403, `push initiator ${ip} is not trusted`));
    const cred = credentialsOk(req, url);
    if (!cred.ok) return send(res, forbidden(pap, req, body, 401, 'push initiator not authenticated'));
    send(res, await process(pap, req, url, body, { ip, ...(cred.user ? { user: cred.user } : {}) }));
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      deps.log?.warn({ err: String((e as Error)?.stack ?? e) }, 'PAP request failed');
      if (!res.headersSent) send(res, { status: 500, xml: badMessageResponseXml({ code: PapCode.INTERNAL_SERVER_ERROR }) });
      else res.destroy();
    });
  };

  return {
    options,
    engine,
    handler,
    ready,
    setAccess(access) {
      // validate first: a bad list leaves the running one in place
      const next = cidrSet(access.trustedIps, 'push.trustedIps');
      trusted = next;
      options.trustedIps = [...access.trustedIps];
      options.credentials = access.credentials.map((c) => ({ ...c }));
    },
    async listen(port = options.papPort, host = options.papBind) {
      await ready;
      return new Promise<AddressInfo>((resolve, reject) => {
        const s = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, handler);
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          server = s;
          resolve(s.address() as AddressInfo);
        });
      });
    },
    async close() {
      if (server) {
        const s = server;
        server = undefined;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        });
      }
      await ready.catch(() => undefined);
      await engine.close();
      await ownSmpp?.close();
    },
  };
}

/**
 * Reads the durable queue back, then takes in (once) the JSON state file an older wapgate wrote on shutdown:
 * imported into the queue, renamed *.imported so it is never read twice.
 */
async function recoverQueue(engine: PpgEngine, stateFile: string | undefined, deps: PpgCreateDeps): Promise<RecoveryReport> {
  const report = await engine.recover();
  if (engine.queue.durable) {
    deps.log?.info({ ...report }, report.inFlight ? 'push queue recovered; pushes in flight at the last stop are sent again' : 'push queue recovered');
  }
  if (stateFile && existsSync(stateFile)) {
    if (!engine.queue.durable) {
      deps.log?.warn({ stateFile }, 'push.queue.stateFile is read only into the durable store; none is configured, file left as it is');
      return report;
    }
    try {
      const saved = loadState(stateFile);
      const n = saved ? await engine.adopt(saved.records) : 0;
      renameSync(stateFile, `${stateFile}.imported`);
      deps.log?.info({ stateFile, imported: n, skipped: saved?.skipped ?? 0 }, 'pending pushes of the old state file taken into the store');
    } catch (e) {
      deps.log?.warn({ stateFile, err: String(e) }, 'old pending-push state file not imported; left as it is');
    }
  }
  return report;
}

function safeVersion(pap: PapModules, control: string): PapVersion {
  try {
    return pap.papVersion(control);
  } catch {
    return '2.0';
  }
}

/**
 * The PPG's own SMPP client (push.smpp), loaded with the smpp library only when one runs (`loaded`: the PPG is
 * ready only after it). Submits wait for the client; receipts go to whoever registered, in order.
 */
function ownSmppSender(o: PpgOptions['smpp'], log: PpgCreateDeps['log']): SmsPushSender & { loaded: Promise<void>; close(): Promise<void> } {
  const client = import('../bearer/sms/smpp-client.ts').then(({ SmppClient }) => {
    const c = new SmppClient({
      host: o.host,
      port: o.port,
      systemId: o.systemId,
      password: o.password,
      systemType: o.systemType,
      sourceAddr: o.sourceAddr,
      throttle: o.throttle,
      reconnectDelay: o.reconnectDelay,
      ...(o.responseTimeout !== undefined ? { responseTimeout: o.responseTimeout } : {}),
      ...(o.enquireLinkPeriod !== undefined ? { enquireLinkPeriod: o.enquireLinkPeriod } : {}),
    });
    c.on('bound', () => log?.info({ smsc: `${o.host}:${o.port}` }, 'SMPP bound'));
    c.on('unbound', (why) => log?.warn({ smsc: `${o.host}:${o.port}`, why }, 'SMPP link lost, re-binding'));
    c.start();
    return c;
  });
  return {
    loaded: client.then(() => undefined),
    submitUserData: async (msisdn, blocks, opts) => (await client).submitUserData(msisdn, blocks, opts),
    onReceipt: (fn) => void client.then((c) => c.onReceipt(fn), () => undefined),
    close: async () => (await client.catch(() => undefined))?.close(),
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, a: Answer): void {
  const body = Buffer.from(a.xml, 'utf8');
  res.writeHead(a.status, { 'content-type': 'application/xml; charset=utf-8', 'content-length': String(body.length), ...a.headers });
  res.end(body);
}
