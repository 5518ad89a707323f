/**
 * GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1) with its extension table (§6.2.1.1): text → septets,
 * one octet per septet (unpacked, as SMPP carries data_coding 0 to most SMSCs). A character outside both
 * tables becomes '?', as Kannel's charset_utf8_to_gsm does. Pure.
 */

// 23.038 §6.2.1: the basic character set, indexed by septet value.
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// 23.038 §6.2.1.1: the extension table, reached by the escape septet 0x1B.
const EXTENSION: Record<string, number> = { '\f': 0x0a, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f, '[': 0x3c, '~': 0x3d, ']': 0x3e, '|': 0x40, '€': 0x65 };

const BASIC_INDEX: ReadonlyMap<string, number> = new Map([...BASIC].map((c, i) => [c, i] as const).filter(([c]) => c !== '\u001b'));

/** Septets (one per octet) for text; characters not in the alphabet become '?'. */
export function encodeGsm7(text: string): Buffer {
  const out: number[] = [];
  for (const c of text) {
    const b = BASIC_INDEX.get(c);
    if (b !== undefined) out.push(b);
    else if (EXTENSION[c] !== undefined) out.push(0x1b, EXTENSION[c]!);
    else out.push(0x3f);
  }
  return Buffer.from(out);
}

/** Whether every character of text is in the GSM 7-bit alphabet (basic or extension). */
export function isGsm7(text: string): boolean {
  for (const c of text) if (!BASIC_INDEX.has(c) && EXTENSION[c] === undefined) return false;
  return true;
}
