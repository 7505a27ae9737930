/**
 * The result of a command. Doing again what is already done is not an error and has no second
 * effect: it comes back with changed = false and a notice saying so (GraphQL shows it in
 * extensions.notices, USSD as one END line).
 */
export interface Outcome<T> {
  value: T;
  changed: boolean;
  notice?: string;
}

export const changed = <T>(value: T): Outcome<T> => ({ value, changed: true });
export const alreadyDone = <T>(value: T, notice: string): Outcome<T> => ({ value, changed: false, notice });
