/** `trace:` — packet traces for interop labs (src/trace/recorder.ts). */
import * as z from 'zod';
import { group, key, size } from '../meta.ts';

export const traceSection = group({
  pcap: key(z.string().min(1).optional(), {
    description: 'Record every datagram in and out and the upstream HTTP exchanges into this pcap file.',
    flag: 'trace-pcap',
  }),
  rotateSize: key(size().default(100_000_000), {
    description: 'Start a new pcap file (FILE.1, FILE.2, ...) when the current one reaches this size (or 100MB).',
  }),
  rotateKeep: key(z.number().int().min(1).default(5), { description: 'Rotated pcap files kept.' }),
  sessionDir: key(z.string().min(1).default('var/traces'), {
    description: 'Directory for per-session traces started through the admin listener.',
  }),
  maxHttpBody: key(size().default(2_097_152), {
    description:
      'HTTP bodies longer than this are cut in the trace (noted in an X-Wapgate-Trace header; a cut MMS body shows as malformed in Wireshark).',
  }),
});
