import type { Command } from 'commander';
import { z } from 'zod';
import { withStore } from './open-store.js';

/**
 * `qualify workspace create|list` and `qualify api-key create|list|revoke`: what an operator needs
 * to bootstrap a team without the admin API (which itself needs a key or the operator token).
 * They open the store only (no Redis, no connectors). With the embedded database, stop the
 * service first: PGlite admits one process.
 */

const WorkspaceArgs = z.object({
  id: z.string().min(1, 'give the workspace id'),
  name: z.string().trim().min(1, '--name is required').optional(),
});
const ApiKeyArgs = z.object({
  workspace: z.string().trim().min(1, '--workspace is required'),
  name: z.string().trim().min(1, '--name is required'),
});

/** A refusal the operator can act on (bad id, taken id, unknown workspace): one line on stderr, exit 1. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'StoreConflictError' || name === 'StoreInputError' || name === 'ZodError') {
      const message = name === 'ZodError' ? (err as z.ZodError).issues.map((i) => i.message).join('; ') : (err as Error).message;
      console.error(`qualify: ${message}`);
      process.exit(1);
    }
    throw err;
  }
}

export function register(program: Command): void {
  const workspace = program.command('workspace').description('create and list workspaces (one team: its connections, models, API keys and leads)');
  workspace
    .command('create <id>')
    .description('create a workspace (id: lower-case letters, digits and "-")')
    .requiredOption('--name <name>', 'display name')
    .option('--json', 'print JSON', false)
    .action((id: string, flags: { name: string; json: boolean }) =>
      run(async () => {
        const args = WorkspaceArgs.parse({ id, name: flags.name });
        const created = await withStore((store) => store.createWorkspace({ id: args.id, name: args.name! }));
        console.log(flags.json ? JSON.stringify(created, null, 2) : `workspace ${created.id} created (${created.name})`);
      }),
    );
  workspace
    .command('list')
    .description('list workspaces')
    .option('--json', 'print JSON', false)
    .action((flags: { json: boolean }) =>
      run(async () => {
        const all = await withStore((store) => store.listWorkspaces());
        if (flags.json) console.log(JSON.stringify(all, null, 2));
        else for (const w of all) console.log(`${w.id}\t${w.name}\t${w.createdAt}`);
      }),
    );

  const apiKey = program.command('api-key').description("create, list and revoke a workspace's API keys (Authorization: Bearer <key> on /api)");
  apiKey
    .command('create')
    .description('create an API key; it is printed once and stored only as a hash')
    .requiredOption('--workspace <id>', 'the workspace the key opens')
    .requiredOption('--name <name>', 'what the key is for (shown in lists)')
    .option('--json', 'print JSON', false)
    .action((flags: { workspace: string; name: string; json: boolean }) =>
      run(async () => {
        const args = ApiKeyArgs.parse(flags);
        const { key, apiKey: row } = await withStore((store) => store.forWorkspace(args.workspace).createApiKey(args.name));
        if (flags.json) console.log(JSON.stringify({ key, apiKey: row }, null, 2));
        else {
          console.log(key);
          console.error(`API key "${row.name}" (${row.prefix}…, id ${row.id}) for workspace ${row.workspaceId}: shown once, keep it now.`);
        }
      }),
    );
  apiKey
    .command('list')
    .description("list a workspace's API keys (prefixes only)")
    .requiredOption('--workspace <id>', 'the workspace')
    .option('--json', 'print JSON', false)
    .action((flags: { workspace: string; json: boolean }) =>
      run(async () => {
        const keys = await withStore((store) => store.forWorkspace(flags.workspace).listApiKeys());
        if (flags.json) console.log(JSON.stringify(keys, null, 2));
        else for (const k of keys) console.log(`${k.id}\t${k.prefix}…\t${k.name}\t${k.revokedAt ? `revoked ${k.revokedAt}` : `last used ${k.lastUsedAt ?? 'never'}`}`);
      }),
    );
  apiKey
    .command('revoke <id>')
    .description('revoke an API key at once')
    .requiredOption('--workspace <id>', 'the workspace')
    .action((id: string, flags: { workspace: string }) =>
      run(async () => {
        const done = await withStore((store) => store.forWorkspace(flags.workspace).revokeApiKey(id));
        if (!done) {
          console.error(`qualify: no API key ${id} in workspace ${flags.workspace}`);
          process.exit(1);
        }
        console.log(`API key ${id} revoked`);
      }),
    );
}
