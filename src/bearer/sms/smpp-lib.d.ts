/** The part of the npm `smpp` library (farhadi/node-smpp 0.5, untyped) that wapgate's SMPP client uses. */
declare module 'smpp' {
  import { EventEmitter } from 'node:events';

  export interface Pdu {
    command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(fields?: Record<string, unknown>): Pdu;
    isResponse(): boolean;
  }

  export class Session extends EventEmitter {
    socket: import('node:net').Socket;
    send(pdu: Pdu, responseCallback?: (pdu: Pdu) => void, sendCallback?: (pdu: Pdu) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    bind_transceiver(fields: Record<string, unknown>, cb: (pdu: Pdu) => void): boolean;
    bind_transmitter(fields: Record<string, unknown>, cb: (pdu: Pdu) => void): boolean;
    submit_sm(fields: Record<string, unknown>, cb: (pdu: Pdu) => void): boolean;
    enquire_link(fields?: Record<string, unknown>, cb?: (pdu: Pdu) => void): boolean;
    unbind(fields?: Record<string, unknown>, cb?: (pdu: Pdu) => void): boolean;
  }

  export function connect(options: { host: string; port: number; auto_enquire_link_period?: number }, listener?: () => void): Session;
  const smpp: { connect: typeof connect };
  export default smpp;
}
