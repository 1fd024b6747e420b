import { Command } from 'commander';
import * as evaluateCommand from './commands/evaluate.command.js';
import * as simulateCommand from './commands/simulate.command.js';
import * as serviceCommand from './commands/service.command.js';
import * as syncCommand from './commands/sync.command.js';
import * as rescoreCommand from './commands/rescore.command.js';
import * as statusCommand from './commands/status.command.js';
import * as scoreCommand from './commands/score.command.js';
import * as workspaceCommand from './commands/workspace.command.js';
import * as secretsCommand from './commands/secrets.command.js';

/**
 * `qualify` command line. Each command lives in src/cli/commands/<name>.command.ts and exports
 * `register(program)`; this file only wires them together.
 */
const program = new Command()
  .name('qualify')
  .description('Lead qualification: map CRM contacts to canonical leads, score and classify them, write results back.')
  .showHelpAfterError();

const commands: Array<{ register: (p: Command) => void }> = [
  serviceCommand,
  syncCommand,
  rescoreCommand,
  statusCommand,
  evaluateCommand,
  simulateCommand,
  scoreCommand,
  workspaceCommand,
  secretsCommand,
];
for (const c of commands) c.register(program);

await program.parseAsync(process.argv);
