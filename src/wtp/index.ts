/**
 * wapgate's WTP (WAP-224): the PDU codec, the responder and initiator engines, SAR, the TID cache, timers.
 * No sockets: a Transport and a Clock come in.
 *
 *   const wtp = new WtpResponder({ transport, user, clock?, timers?, onEvent? });
 *   bearer.on('message', (buf, peer) => wtp.receive(buf, peer));
 *   user.invoke(tx, data, info) → tx.ack() (if info.uack) → tx.result(reply) | tx.abort(wspReason)
 *
 *   const init = new WtpInitiator({ transport, clock?, timers? });
 *   const reply = await init.invoke(peer, data, { class: 2 });   // rejects with WtpAbortError
 */
export * from './pdu.ts';
export { type Clock, FakeClock, realClock, type TimerHandle } from './clock.ts';
export { DEFAULT_WTP_TIMERS, resolveTimers, type WtpTimers } from './timers.ts';
export * from './types.ts';
export { RespState, ResponderTx, WtpResponder, type WtpResponderOptions } from './responder.ts';
export { InitState, InitiatorTx, type InvokeOptions, WtpInitiator, type WtpInitiatorOptions } from './initiator.ts';
export { wtpDirection } from './engine.ts';
export { MAX_PACKETS, Reassembler, ReassemblyBudget, SarSender, segmentMessage } from './sar.ts';
export { TidCache, tidTest } from './tid-cache.ts';
