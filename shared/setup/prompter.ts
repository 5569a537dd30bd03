/**
 * How setup asks what it could not find. Every question names the flag that answers it
 * instead, so a script (or a test) answers everything with flags and is never asked.
 */
export interface Question {
  /** The flag that answers it, without dashes: `domain` for `--domain`. */
  flag: string;
  text: string;
  /** Offered, and taken on an empty answer. */
  defaultValue?: string;
  /** Not echoed (tokens, secrets, passwords). */
  secret?: boolean;
  /** Why an answer is wrong, or undefined when it is right; a wrong answer is asked again. */
  validate?: (answer: string) => string | undefined;
}

export interface Choice<T> {
  label: string;
  value: T;
}

export interface Prompter {
  ask(question: Question): Promise<string>;
  choose<T>(flag: string, text: string, choices: readonly Choice<T>[]): Promise<T>;
  confirm(flag: string, text: string, defaultYes: boolean): Promise<boolean>;
  /** A line of progress for the person running setup. */
  say(line: string): void;
}
