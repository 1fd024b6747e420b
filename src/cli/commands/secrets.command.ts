import type { Command } from 'commander';
import { z } from 'zod';
import type { CredentialResealReport } from '../../store/credential-store.js';
import { withStore } from './open-store.js';

/**
 * `qualify secrets status|reseal`: finishing a rotation of QUALIFY_SECRET_KEY. A stored secret
 * moves to the new key only when it is next saved, so without a reseal the old key could never be
 * dropped from QUALIFY_SECRET_KEY_PREVIOUS. Prints connection ids and counts, never a secret;
 * exits 1 when a value opens with no configured key, so a script does not drop the previous key
 * while something still depends on it.
 */

const SecretsFlags = z.object({
  workspace: z.string().trim().min(1, '--workspace needs a workspace id').optional(),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});
type SecretsFlags = z.infer<typeof SecretsFlags>;

interface Totals {
  resealed: number;
  current: number;
  unreadable: Array<{ workspaceId: string; connectionId: string; reason: string; message: string }>;
}

async function resealAll(flags: SecretsFlags, dryRun: boolean): Promise<{ workspaces: CredentialResealReport[] } | { unknownWorkspace: string }> {
  return withStore(async (store) => {
    let ids: string[];
    if (flags.workspace !== undefined) {
      if (!(await store.getWorkspace(flags.workspace))) return { unknownWorkspace: flags.workspace };
      ids = [flags.workspace];
    } else ids = (await store.listWorkspaces()).map((w) => w.id);
    const workspaces: CredentialResealReport[] = [];
    for (const id of ids) workspaces.push(await store.forWorkspace(id).resealCredentials({ dryRun }));
    return { workspaces };
  });
}

function totalsOf(reports: CredentialResealReport[]): Totals {
  return {
    resealed: reports.reduce((n, r) => n + r.resealed.length, 0),
    current: reports.reduce((n, r) => n + r.current.length, 0),
    unreadable: reports.flatMap((r) => r.unreadable.map((u) => ({ workspaceId: r.workspaceId, ...u }))),
  };
}

function parseFlags(raw: Record<string, unknown>): SecretsFlags {
  const parsed = SecretsFlags.safeParse(raw);
  if (parsed.success) return parsed.data;
  console.error(`qualify secrets: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  process.exit(1);
}

async function run(raw: Record<string, unknown>, mode: 'status' | 'reseal'): Promise<void> {
  const flags = parseFlags(raw);
  const dryRun = mode === 'status' || flags.dryRun;
  const result = await resealAll(flags, dryRun);
  if ('unknownWorkspace' in result) {
    console.error(`qualify: no workspace "${result.unknownWorkspace}" (qualify workspace list)`);
    process.exit(1);
  }
  const totals = totalsOf(result.workspaces);
  if (flags.json) {
    const counts =
      mode === 'status'
        ? { currentKey: totals.current, previousKey: totals.resealed }
        : { dryRun, [dryRun ? 'wouldReseal' : 'resealed']: totals.resealed, alreadyCurrent: totals.current };
    console.log(JSON.stringify({ ...counts, unreadable: totals.unreadable, workspaces: result.workspaces }, null, 2));
  } else {
    if (mode === 'status') {
      console.log(`under the current key ${totals.current}, under a previous key ${totals.resealed}, unreadable ${totals.unreadable.length}`);
    } else {
      const verb = dryRun ? 'would reseal' : 'resealed';
      console.log(`${verb} ${totals.resealed}, already current ${totals.current}, unreadable ${totals.unreadable.length}${dryRun ? ' (dry run: nothing written)' : ''}`);
    }
    for (const u of totals.unreadable) console.log(`  unreadable: connection ${u.connectionId} (workspace ${u.workspaceId}): ${u.message}`);
    if (totals.unreadable.length > 0) {
      console.error('qualify: some stored secrets open with no configured key: keep QUALIFY_SECRET_KEY_PREVIOUS, or reinstall those connections');
    } else if (mode === 'status' && totals.resealed > 0) {
      console.error('qualify: run `qualify secrets reseal` before dropping QUALIFY_SECRET_KEY_PREVIOUS');
    }
  }
  process.exit(totals.unreadable.length > 0 ? 1 : 0);
}

export function register(program: Command): void {
  const secrets = program.command('secrets').description('stored secrets (OAuth credentials) and the key they are sealed under, to finish a QUALIFY_SECRET_KEY rotation');
  secrets
    .command('status')
    .description('count stored secrets under the current key, under a previous key (QUALIFY_SECRET_KEY_PREVIOUS) and unreadable; exit 1 if any is unreadable')
    .option('--workspace <id>', 'one workspace (default: every workspace)')
    .option('--json', 'print JSON', false)
    .action((flags: Record<string, unknown>) => run(flags, 'status'));
  secrets
    .command('reseal')
    .description('seal every stored secret under a previous key again under QUALIFY_SECRET_KEY, so the previous key can be dropped; exit 1 if any is unreadable')
    .option('--workspace <id>', 'one workspace (default: every workspace)')
    .option('--dry-run', 'only report what would be resealed', false)
    .option('--json', 'print JSON', false)
    .action((flags: Record<string, unknown>) => run(flags, 'reseal'));
}
