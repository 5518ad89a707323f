/**
 * The content layer as the gateway composes it: the converter with the WMLScript compiler of
 * src/content/wmlscript plugged in. `createContentConverter(config.content)` is what serve (src/app) passes to
 * createGateway as deps.content.
 */
import { compileWmlScript } from './wmlscript/index.ts';
import { ContentConverter, type ContentOptions } from './converter.ts';

export function createContentConverter(options: Partial<ContentOptions> = {}, deps: { now?: () => number } = {}): ContentConverter {
  return new ContentConverter(options, { compileWmlScript, ...deps });
}
