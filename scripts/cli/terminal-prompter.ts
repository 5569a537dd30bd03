import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { SetupError } from '../../shared/setup/findings';
import type { Choice, Prompter, Question } from '../../shared/setup/prompter';

/**
 * Asks on the terminal (node:readline; secrets without echo). Without a terminal (a script,
 * CI, a test) it asks nothing: a missing answer stops setup naming the flag to give, a
 * default is taken as it is, and a yes/no question is a no.
 */
export function terminalPrompter(options: { interactive: boolean; out?: (line: string) => void }): Prompter {
  const out = options.out ?? ((line: string) => console.log(line));
  const notAsked = (flag: string, text: string) => new SetupError(`${text}: not known, and there is no terminal to ask on. Give --${flag}.`);
  const read = async (prompt: string, secret: boolean): Promise<string> => {
    // A secret is read through a readline whose echo goes nowhere.
    const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
    const lines = createInterface({ input: process.stdin, output: secret ? muted : process.stdout, terminal: true });
    try {
      if (secret) process.stdout.write(prompt);
      const answer = await lines.question(secret ? '' : prompt);
      if (secret) process.stdout.write('\n');
      return answer.trim();
    } finally {
      lines.close();
    }
  };
  return {
    async ask(question: Question) {
      if (!options.interactive) {
        if (question.defaultValue !== undefined) return question.defaultValue;
        throw notAsked(question.flag, question.text);
      }
      for (;;) {
        const answer = (await read(`${question.text}${question.defaultValue ? ` [${question.defaultValue}]` : ''}: `, question.secret === true)) || (question.defaultValue ?? '');
        const problem = question.validate?.(answer) ?? (answer === '' ? 'an answer is needed' : undefined);
        if (!problem) return answer;
        out(`  ${problem}`);
      }
    },
    async choose<T>(flag: string, text: string, choices: readonly Choice<T>[]) {
      if (!options.interactive) throw notAsked(flag, text);
      out(text);
      choices.forEach((choice, index) => out(`  ${index + 1}. ${choice.label}`));
      for (;;) {
        const picked = choices[Number(await read(`Number (1–${choices.length}): `, false)) - 1];
        if (picked) return picked.value;
      }
    },
    async confirm(_flag: string, text: string, defaultYes: boolean) {
      // Without a terminal nothing is done that was not asked for: the flag asks for it.
      if (!options.interactive) return false;
      const answer = (await read(`${text} [${defaultYes ? 'Y/n' : 'y/N'}]: `, false)).toLowerCase();
      return answer === '' ? defaultYes : answer.startsWith('y');
    },
    say: out,
  };
}
