/**
 * Defaults of the optional SmppClientOptions (timer values in ms), in a file of their own so the configuration
 * (push.smpp, through src/push/options.ts) can take them without loading the SMPP client.
 */
export const SMPP_CLIENT_DEFAULTS = {
  systemType: '',
  sourceAddr: '',
  throttle: 10,
  reconnectDelay: 5_000,
  responseTimeout: 10_000,
  enquireLinkPeriod: 30_000,
  bindMode: 'transceiver',
} as const;
