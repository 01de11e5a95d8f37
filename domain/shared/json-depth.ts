/** JSON nested deeper than any input of ours needs: deeper input would exhaust the stack later on (canonical JSON, schema checks). */
export const MAX_JSON_DEPTH = 64;

/** Is `value` nested deeper than `max` levels? Iterative, so that the check itself cannot overflow the stack. */
export function jsonDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
