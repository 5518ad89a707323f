// `node --import ./test/support/module-log.mjs …`: every module the ESM loader loads is appended, one URL a line,
// to the file named by $MODULE_LOG (what CommonJS require() loads is in require.cache; read it beside this).
import { register } from 'node:module';

if (process.env.MODULE_LOG) register(new URL('./module-log-hooks.mjs', import.meta.url), { data: { file: process.env.MODULE_LOG } });
