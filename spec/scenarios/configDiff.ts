/**
 * Where two machine configs differ: the paths (`states.gate.states.publish.on.vers.ack`) at
 * which a value differs, compared structurally, with functions (guards, actions built once at
 * module level) compared by identity. Used to show that a BUGGY and a FIXED variant differ only
 * in the steps the real patch changed.
 */
export function configDiff(a: unknown, b: unknown, path = ''): string[] {
  if (a === b) return [];
  const bothObjects = typeof a === 'object' && typeof b === 'object' && a !== null && b !== null;
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) return [path || '(root)'];
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
  return keys.flatMap((k) => configDiff(ra[k], rb[k], path ? `${path}.${k}` : k));
}

/** Runs an action's resolved parameters (interleave's send/assert actions) for inspection. */
export function params(action: unknown, args: object): unknown {
  return (action as { params: (a: object) => unknown }).params(args);
}
