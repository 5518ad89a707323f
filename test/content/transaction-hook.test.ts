/**
 * The content hook in the gateway's reply path (src/gateway/transaction.ts) with a stand-in proxy: what the
 * handset gets when the content layer answers an error deck for a URL that a URL map rewrote.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ContentConverter } from '../../src/content/converter.ts';
import type { HttpProxy, ProxyRequest, ProxyResponse } from '../../src/gateway/proxy.ts';
import { MethodHandler } from '../../src/gateway/transaction.ts';
import type { ReplyPdu } from '../../src/wsp/pdu-types.ts';
import { tokenStream } from './wbxml-tokens.ts';

describe('content hook in the reply path', () => {
  it("an error deck's link goes to the URL the handset asked for, not the one a URL map rewrote it to", async () => {
    const proxy = {
      fetch: async (req: ProxyRequest): Promise<ProxyResponse> => ({
        status: 200,
        outcome: 'ok',
        upstreamStatus: 200,
        contentType: 'text/vnd.wap.wml',
        headers: [],
        body: Buffer.from('<wml><card><p>broken</card></wml>'),
        url: 'http://10.1.2.3:8080/internal/deck.wml',
        origin: 'http://10.1.2.3:8080',
        requestedUrl: req.uri,
      }),
    } as unknown as HttpProxy;
    const handler = new MethodHandler({ proxy, log: pino({ level: 'silent' }), content: new ContentConverter() });
    let sent: ReplyPdu | undefined;
    await handler.handle(
      { type: 'Get', method: 'GET', uri: 'http://wap.operator.example/deck.wml', headers: [] },
      {
        bearer: 'wsp-cl',
        peer: { address: '127.0.0.1', port: 9200 },
        maxReplyBytes: 1400,
        encode: (r) => ((sent = r), Buffer.alloc(16)),
      },
    );
    expect(sent?.contentType?.type).toBe('application/vnd.wap.wmlc');
    const tokens = tokenStream(sent!.data).tokens.join(' ');
    expect(tokens).toContain('operator');
    expect(tokens).not.toContain('10.1.2.3');
  });
});
