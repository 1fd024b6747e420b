import type { Booted } from '../../app/bootstrap.js';
import type { Store } from '../../store/store.types.js';

/**
 * The store view of the workspace a command's `--workspace <id>` names. An unknown id is the
 * operator's to fix (a typo, or a workspace not created yet), so one line saying where to look
 * and exit 1, after closing what bootstrap opened; never a stack trace, never an empty answer.
 */
export async function workspaceOption(booted: Booted, id: string): Promise<Store> {
  if (!(await booted.store.getWorkspace(id))) {
    console.error(`qualify: no workspace "${id}" (qualify workspace list)`);
    await booted.close();
    process.exit(1);
  }
  return booted.store.forWorkspace(id);
}
