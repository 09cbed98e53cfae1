// Tiny runtime shape checks for messages that cross the webview boundary.
// Each check is a type guard; `obj` ignores fields it does not list.

export type Check<T> = (x: unknown) => x is T;

export const str: Check<string> = (x): x is string => typeof x === 'string';
export const num: Check<number> = (x): x is number => typeof x === 'number' && Number.isFinite(x);
export const bool: Check<boolean> = (x): x is boolean => typeof x === 'boolean';

export function lit<const T extends string>(...values: T[]): Check<T> {
  return (x): x is T => typeof x === 'string' && (values as string[]).includes(x);
}

export function arr<T>(item: Check<T>): Check<T[]> {
  return (x): x is T[] => Array.isArray(x) && x.every((v) => item(v));
}

export function opt<T>(check: Check<T>): Check<T | undefined> {
  return (x): x is T | undefined => x === undefined || check(x);
}

type Shape = Record<string, Check<unknown>>;
type Guarded<C> = C extends Check<infer T> ? T : never;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Guarded<S[K]> ? K : never }[keyof S];
export type ShapeOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Guarded<S[K]> } & {
  [K in OptionalKeys<S>]?: Guarded<S[K]>;
};

export function obj<S extends Shape>(shape: S): Check<ShapeOf<S>> {
  const entries = Object.entries(shape);
  return (x): x is ShapeOf<S> => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
    const o = x as Record<string, unknown>;
    return entries.every(([key, check]) => check(o[key]));
  };
}
