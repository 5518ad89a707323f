/**
 * The constant pool and the pragma pool of a compilation unit (WAP-193 §9.2, §9.3). Constants are shared:
 * a value already in the pool is not added again (its index is reused).
 */
import { raise, WmlsErrorCode, type SourcePos } from './errors.ts';

export type Constant =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string };

// WAP-193 §9.3: pragma types.
export const PragmaType = { ACCESS_DOMAIN: 0, ACCESS_PATH: 1, USER_AGENT_PROPERTY: 2, USER_AGENT_PROPERTY_AND_SCHEME: 3 } as const;

export interface PragmaEntry {
  type: number;
  /** Constant indexes: domain / path / property name, content, scheme. */
  indexes: number[];
}

// WAP-193 §9.2: the pool's size is a u_int16 and load_const_w takes a 16-bit index.
const MAX_CONSTANTS = 0xffff;

export class ConstantPool {
  readonly entries: Constant[] = [];
  private readonly index = new Map<string, number>();

  int(value: number, at?: SourcePos): number {
    return this.add(`i${value}`, { type: 'int', value }, at);
  }
  float(value: number, at?: SourcePos): number {
    return this.add(`f${value}`, { type: 'float', value }, at);
  }
  string(value: string, at?: SourcePos): number {
    return this.add(`s${value}`, { type: 'string', value }, at);
  }

  private add(key: string, c: Constant, at: SourcePos | undefined): number {
    const found = this.index.get(key);
    if (found !== undefined) return found;
    if (this.entries.length >= MAX_CONSTANTS) raise(WmlsErrorCode.LIMIT, `more than ${MAX_CONSTANTS} constants`, at);
    this.entries.push(c);
    this.index.set(key, this.entries.length - 1);
    return this.entries.length - 1;
  }
}
