/**
 * Named OTA settings from the configuration (`prov.settings`, Kannel's ota-setting / ota-bookmark groups with
 * their ota-id): each is a settings template (inline, or a YAML file) or a PROV/OTA XML file. They are read and
 * compiled once at load, so a bad entry stops the start (or the reload) with the entry's id, never a request.
 */
import { readFileSync } from 'node:fs';
import type { PagePolicy } from './compile.ts';
import { ProvError, ProvErrorCode } from './errors.ts';
import { pushesFromTemplate, pushFromXml, type TemplateFormat } from './index.ts';
import type { ProvPush } from './push.ts';
import type { SecInput, SecMethod } from './security.ts';
import { checkTemplate, parseTemplate, type SettingsTemplate } from './template.ts';

export interface NamedSettingConfig {
  id: string;
  format?: TemplateFormat;
  /** A YAML template (.yaml/.yml) or an XML document (anything else). */
  file?: string;
  template?: unknown;
  sec?: SecMethod;
  pin?: string;
}

export interface NamedSetting {
  id: string;
  format: TemplateFormat;
  /** The pushes with the given security (OMA), or the setting's own, or none. */
  build(sec?: SecInput): ProvPush[];
  /** The setting's own security, if configured. */
  sec?: SecInput;
}

export interface SettingsRegistry {
  /** By id; without an id the first configured setting, as Kannel's sendota without otaid. */
  get(id?: string): NamedSetting | undefined;
  readonly ids: readonly string[];
}

export function loadNamedSettings(
  list: readonly NamedSettingConfig[],
  opts: { pagePolicy?: PagePolicy; readFile?: (path: string) => Buffer } = {},
): SettingsRegistry {
  const read = opts.readFile ?? ((p: string) => readFileSync(p));
  const map = new Map<string, NamedSetting>();
  for (const c of list) {
    if (map.has(c.id)) throw new ProvError(ProvErrorCode.TEMPLATE, 'id given twice', `prov.settings[${c.id}]`);
    if ((c.file === undefined) === (c.template === undefined)) {
      throw new ProvError(ProvErrorCode.TEMPLATE, 'give exactly one of file and template', `prov.settings[${c.id}]`);
    }
    const format = c.format ?? 'oma';
    const sec: SecInput | undefined = c.sec ? { sec: c.sec, ...(c.pin !== undefined ? { pin: c.pin } : {}) } : undefined;
    let build: (s?: SecInput) => ProvPush[];
    try {
      let template: SettingsTemplate | undefined;
      let xml: Buffer | undefined;
      if (c.template !== undefined) template = checkTemplate(c.template);
      else if (/\.ya?ml$/i.test(c.file!)) template = parseTemplate(read(c.file!));
      else xml = read(c.file!);
      const po = opts.pagePolicy ? { pagePolicy: opts.pagePolicy } : {};
      build = template
        ? (s) => pushesFromTemplate(template, format, { ...po, ...(s ? { sec: s } : {}) })
        : (s) => [pushFromXml(xml!, { ...po, ...(s ? { sec: s } : {}) })];
      // Compile once now (unsigned) so a bad document is found at load.
      build(undefined);
    } catch (e) {
      if (e instanceof ProvError) throw new ProvError(e.code, e.message, `prov.settings[${c.id}]`);
      throw new ProvError(ProvErrorCode.TEMPLATE, `cannot read ${c.file}: ${(e as Error).message}`, `prov.settings[${c.id}]`);
    }
    map.set(c.id, { id: c.id, format, build, ...(sec ? { sec } : {}) });
  }
  const ids = [...map.keys()];
  return { get: (id) => (id === undefined ? map.get(ids[0] ?? '') : map.get(id)), ids };
}
