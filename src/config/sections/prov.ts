/**
 * `prov:` — OTA provisioning (src/prov): defaults of sendota / `wapgate provision`, the bearer limits a
 * provisioning push must fit, and the named OTA settings sendota's `otaid` selects. Owned by the provisioning
 * area; extend here.
 */
import * as z from 'zod';
import { PROV_LIMIT_DEFAULTS } from '../../push/prov-delivery.ts';
import { settingsTemplate } from '../../prov/template.ts';
import { group, key } from '../meta.ts';

const secMethod = z.enum(['NETWPIN', 'USERPIN', 'USERNETWPIN', 'USERPINMAC']);

const namedSetting = z
  .strictObject({
    id: z.string().min(1).max(64),
    format: z.enum(['oma', 'ota']).default('oma'),
    file: z.string().min(1).optional(),
    template: settingsTemplate.optional(),
    sec: secMethod.optional(),
    pin: z.string().regex(/^\d{1,32}$/).optional(),
  })
  .refine((s) => (s.file === undefined) !== (s.template === undefined), 'give exactly one of file and template');

export const provSection = group({
  sec: key(secMethod.default('USERPIN'), {
    description: 'Security of OMA provisioning pushes when the request names none (Kannel: USERPIN).',
  }),
  pin: key(z.string().regex(/^\d{1,32}$/).default('1234'), {
    description: 'User PIN used when the request names none (Kannel: 1234).',
    secret: true,
  }),
  pagePolicy: key(z.enum(['page0', 'compact']).default('page0'), {
    description: "WBXML attribute code pages: 'page0' as Kannel (page 1 only where needed), 'compact' stays on the current page.",
  }),
  maxSmsSegments: key(z.number().int().min(1).max(255).default(PROV_LIMIT_DEFAULTS.maxSmsSegments), {
    description: 'Most concatenated short messages one provisioning push may take; larger documents are refused (413).',
  }),
  maxIpOctets: key(z.number().int().min(64).max(65507).default(PROV_LIMIT_DEFAULTS.maxIpOctets), {
    description: 'Largest provisioning push datagram over the IP bearer, in octets; larger documents are refused (413).',
  }),
  settings: key(z.array(namedSetting).default([]), {
    description:
      "Named OTA settings for sendota's otaid: list of {id, format: oma|ota, file (YAML template or XML) | template, sec?, pin?}.",
  }),
});
