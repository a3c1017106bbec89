/** Exhaustiveness guard for closed unions: a new member that is not handled fails the type check. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`assert-never: unhandled ${what} ${JSON.stringify(value)}`);
}
