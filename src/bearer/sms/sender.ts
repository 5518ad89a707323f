/**
 * What the SMS bearer offers the PPG: submit WDP-over-SMS user data blocks to an MSISDN, hear delivery
 * receipts. Implemented by SmppClient (smpp-client.ts); tests inject fakes.
 */

/** How an SMSC delivery receipt ended (SMPP 3.4 Appendix B stat values, mapped). */
export type ReceiptState = 'delivered' | 'expired' | 'undeliverable' | 'rejected' | 'deleted' | 'unknown' | 'accepted' | 'enroute';

export interface SmsReceipt {
  messageId: string;
  state: ReceiptState;
  /** SMSC error code from the receipt text (err:NNN), when given. */
  error?: number;
}

export class SmsSubmitError extends Error {
  override readonly name = 'SmsSubmitError';
  constructor(
    message: string,
    /** True when retrying cannot help (invalid destination, refused content): the push is undeliverable. */
    readonly permanent: boolean,
    /** SMPP command_status, when the SMSC answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface SubmitOptions {
  receipt: boolean;
  priority: 0 | 1 | 2 | 3;
  /** SMPP 3.4 §5.2.19 data_coding; default 0x04 (8-bit, WDP). */
  dataCoding?: number;
  /** Whether the blocks start with a UDH (esm_class UDHI); default true (WDP over SMS always has one). */
  udhi?: boolean;
  /** Originator for these messages instead of the client's sourceAddr. */
  sourceAddr?: string;
  /** SMPP 3.4 §7.1.1 relative validity_period / schedule_delivery_time, in minutes. */
  validityMinutes?: number;
  deferredMinutes?: number;
}

export interface SmsPushSender {
  /**
   * Submits the user data blocks (UDH included) as consecutive short messages to msisdn; resolves with the
   * SMSC message ids once every submit_sm was accepted, rejects with SmsSubmitError.
   */
  submitUserData(msisdn: string, blocks: readonly Buffer[], opts: SubmitOptions): Promise<string[]>;
  /** Registers the receiver of delivery receipts. */
  onReceipt(fn: (r: SmsReceipt) => void): void;
}
