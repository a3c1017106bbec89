let nextName = 0;

/** A channel name no other test in this process uses (tests share one server per file). */
export function uniqueName(prefix: string): string {
  nextName += 1;
  return `${prefix}-${process.pid}-${nextName}`;
}
