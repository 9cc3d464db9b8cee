// jose is ESM-only and this project compiles to CommonJS, where a static `import` becomes a
// `require()` that TypeScript (module node16) rejects. A dynamic import() is kept as a real
// import() by the compiler and works on every Node the project supports; the module is loaded once.

/** The jose module. */
export type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

let loading: Promise<Jose> | undefined;

/** Loads jose (once). */
export function loadJose(): Promise<Jose> {
  return (loading ??= import('jose'));
}
