/**
 * `store:` — the durable store (src/store): one SQLite file under the state directory holding the PPG queue,
 * the reference MMSC's messages and the sendsms queue. Owned by the store area.
 */
import * as z from 'zod';
import { group, key } from '../meta.ts';

export const storeSection = group({
  dir: key(z.string().min(1).optional(), {
    description: 'State directory holding the store file wapgate.db (default: the directory that holds mmsc.storeDir, i.e. var/).',
    flag: 'state-dir',
  }),
  path: key(z.string().min(1).optional(), {
    description: 'The store file itself (overrides store.dir). One running wapgate per file: a second is refused.',
  }),
  synchronous: key(z.enum(['full', 'normal']).default('full'), {
    description:
      "'full': every commit is fsynced before a push or message is acknowledged (survives a power cut); 'normal': survives a process kill only.",
  }),
  check: key(z.enum(['quick', 'full', 'off']).default('quick'), {
    description: "Integrity check when the store opens: 'quick' (quick_check), 'full' (integrity_check) or 'off'. A failing file is refused, never emptied.",
  }),
});
