/**
 * src/smsbox — Kannel's smsbox HTTP interface (sendsms-port) for push sources and MMSCs built for Kannel.
 *
 *   const box = createSmsbox(cfg.sendsms, { wdp, sms, resolveMsisdn, charging, store, registry, log });
 *   box.listener.mount('/cgi-bin/sendota', route);   // other rooms' routes share the listener
 *   await box.listen(cfg.sendsms.port, cfg.sendsms.bind); ... await box.close();
 */
export { createSmsbox, type Smsbox, type SmsboxDeps } from './service.ts';
export { createSmsboxListener, AUTH_FAILED, type SmsboxAnswer, type SmsboxListener, type SmsboxRequest, type SmsboxRoute, type MountOptions } from './listener.ts';
export { SMSBOX_DEFAULTS, resolveSmsboxOptions, type SendsmsUser, type SmsboxOptions } from './options.ts';
export { expandDlrUrl } from './dlr.ts';
export { SENDSMS_ROOM } from './queue.ts';
export { gatewayWdpTransport, type RawDatagramSender } from './wdp.ts';
