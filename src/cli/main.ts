import { Command } from 'commander';

/**
 * `qualify` command line. Each command lives in src/cli/commands/<name>.command.ts and exports
 * `register(program)`; this file only wires them together.
 */
const program = new Command()
  .name('qualify')
  .description('Lead qualification: map CRM contacts to canonical leads, score and classify them, write results back.')
  .showHelpAfterError();

const commands: Array<{ register: (p: Command) => void }> = [
];
for (const c of commands) c.register(program);

await program.parseAsync(process.argv);
