import type { Logger } from 'pino';
import { loadScoringModel, parseScoringModel } from '../qualification/qualify-lead.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { Store } from '../store/store.types.js';

/**
 * The scoring model each workspace scores with: its active published version, else the file
 * model (QUALIFY_MODEL_FILE). `get` is synchronous (it runs for every batch of leads), so the
 * active versions of all workspaces are re-read on a timer, in one query: a publish or rollback
 * made in any process takes effect everywhere within `refreshMs`. A version is compiled once.
 */
export class WorkspaceModels {
  private readonly fileModel: ScoringModel;
  /** workspace → its active version, compiled. */
  private active = new Map<string, { rowId: string; model: ScoringModel }>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    modelFile: string,
    private readonly logger: Logger,
    private readonly refreshMs: number,
  ) {
    this.fileModel = loadScoringModel(modelFile);
  }

  get(workspaceId: string): ScoringModel {
    return this.active.get(workspaceId)?.model ?? this.fileModel;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err) => this.logger.warn({ err: (err as Error).message }, 'reading the active scoring models failed; keeping the ones loaded'));
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One read at a time; a caller arriving during a read waits for that read. */
  refresh(): Promise<void> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<void> {
    const rows = await this.store.listActiveModels();
    const next = new Map<string, { rowId: string; model: ScoringModel }>();
    for (const row of rows) {
      const known = this.active.get(row.workspaceId);
      if (known?.rowId === row.id) {
        next.set(row.workspaceId, known);
        continue;
      }
      try {
        const model = parseScoringModel(row.yaml, `workspace ${row.workspaceId} model ${row.id}`);
        next.set(row.workspaceId, { rowId: row.id, model });
        this.logger.info({ workspace: row.workspaceId, model: model.versionId }, 'workspace scoring model activated');
      } catch (err) {
        // Drafts are validated on upload, so this is a corrupt row: score with the file model and say so.
        this.logger.error({ workspace: row.workspaceId, modelRow: row.id, err: (err as Error).message }, 'active scoring model does not compile; using the file model');
      }
    }
    for (const ws of this.active.keys()) {
      if (!next.has(ws)) this.logger.info({ workspace: ws, model: this.fileModel.versionId }, 'workspace has no active model; using the file model');
    }
    this.active = next;
  }
}
