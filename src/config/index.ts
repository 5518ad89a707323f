/** The configuration room's public surface. */
export { loadConfig, loadConfigDetailed, defaultConfig, parseFlags, CONFIG_ENV, type LoadOptions, type LoadedConfig } from './load.ts';
export { configSchema, SECTIONS, type WapgateConfig, type WapgateConfigInput, type SectionName } from './schema.ts';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.ts';
export { configKeys, envName, type ConfigKey } from './keys.ts';
export { ConfigStore, diffReloadable, applyReloadable, type ReloadDiff, type ConfigListener, type ReloadResult } from './reload.ts';
export { maskSecrets, renderConfig } from './print.ts';
