/**
 * The standard libraries a script calls as `Library.function(…)`: library index, function index and arity
 * (WAP-194 §6–§11 for Lang, Float, String, URL, WMLBrowser, Dialogs; WAP-161 §8 for Crypto). Written once;
 * the lookups are derived.
 */
export interface LibraryFunction {
  lib: string;
  name: string;
  libIndex: number;
  funcIndex: number;
  arity: number;
}

/** [library, library index, [function, arity] in function-index order]. */
const LIBRARIES: ReadonlyArray<readonly [string, number, ReadonlyArray<readonly [string, number]>]> = [
  // WAP-194 §7 Lang
  ['Lang', 0, [
    ['abs', 1], ['min', 2], ['max', 2], ['parseInt', 1], ['parseFloat', 1], ['isInt', 1], ['isFloat', 1],
    ['maxInt', 0], ['minInt', 0], ['float', 0], ['exit', 1], ['abort', 1], ['random', 1], ['seed', 1],
    ['characterSet', 0],
  ]],
  // WAP-194 §8 Float
  ['Float', 1, [
    ['int', 1], ['floor', 1], ['ceil', 1], ['pow', 2], ['round', 1], ['sqrt', 1], ['maxFloat', 0], ['minFloat', 0],
  ]],
  // WAP-194 §9 String
  ['String', 2, [
    ['length', 1], ['isEmpty', 1], ['charAt', 2], ['subString', 3], ['find', 2], ['replace', 3], ['elements', 2],
    ['elementAt', 3], ['removeAt', 3], ['replaceAt', 4], ['insertAt', 4], ['squeeze', 1], ['trim', 1],
    ['compare', 2], ['toString', 1], ['format', 2],
  ]],
  // WAP-194 §10 URL
  ['URL', 3, [
    ['isValid', 1], ['getScheme', 1], ['getHost', 1], ['getPort', 1], ['getPath', 1], ['getParameters', 1],
    ['getQuery', 1], ['getFragment', 1], ['getBase', 0], ['getReferer', 0], ['resolve', 2], ['escapeString', 1],
    ['unescapeString', 1], ['loadString', 2],
  ]],
  // WAP-194 §11 WMLBrowser
  ['WMLBrowser', 4, [
    ['getVar', 1], ['setVar', 2], ['go', 1], ['prev', 0], ['newContext', 0], ['getCurrentCard', 0], ['refresh', 0],
  ]],
  // WAP-194 §12 Dialogs
  ['Dialogs', 5, [['prompt', 2], ['confirm', 3], ['alert', 1]]],
];

// WAP-161 §8: Crypto.signText is function 16 of library 6 (the indexes below it are reserved).
const EXTRA: readonly LibraryFunction[] = [{ lib: 'Crypto', name: 'signText', libIndex: 6, funcIndex: 16, arity: 4 }];

export const STANDARD_LIBRARY: readonly LibraryFunction[] = [
  ...LIBRARIES.flatMap(([lib, libIndex, fns]) =>
    fns.map(([name, arity], funcIndex) => ({ lib, name, libIndex, funcIndex, arity })),
  ),
  ...EXTRA,
];

const BY_LIBRARY = new Map<string, Map<string, LibraryFunction>>();
for (const f of STANDARD_LIBRARY) {
  const fns = BY_LIBRARY.get(f.lib) ?? new Map<string, LibraryFunction>();
  fns.set(f.name, f);
  BY_LIBRARY.set(f.lib, fns);
}
const BY_INDEX = new Map(STANDARD_LIBRARY.map((f) => [f.libIndex * 256 + f.funcIndex, f]));

/** The function, `'no-library'` when the library is unknown, `'no-function'` when only the function is. */
export function lookupLibraryFunction(lib: string, name: string): LibraryFunction | 'no-library' | 'no-function' {
  const fns = BY_LIBRARY.get(lib);
  if (!fns) return 'no-library';
  return fns.get(name) ?? 'no-function';
}

export function libraryFunctionAt(libIndex: number, funcIndex: number): LibraryFunction | undefined {
  return BY_INDEX.get(libIndex * 256 + funcIndex);
}
