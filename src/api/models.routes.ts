import { z } from 'zod';
import { StageSchema } from '../canonical/lead.schema.js';
import { GradeSchema } from '../qualification/qualification.schema.js';
import { parseScoringModel, ScoringModelError } from '../scoring/load-scoring-model.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { ModelVersionRow } from '../store/store.types.js';
import type { ApiContext } from './api-context.js';
import { ApiError, defineRoute, foundOr404, IdParams } from './api-route.js';
import { simulateWorkspaceModel } from './model-simulation.js';

/** Where an uploaded model's problems point: messages say `model.yaml:12:5 fit.rules[2].points: …`. */
const UPLOAD_NAME = 'model.yaml';

const ModelSummarySchema = z.object({
  id: z.string(),
  versionId: z.string().describe('name@version-<content hash>, stored with every score it produces'),
  name: z.string(),
  status: z.enum(['draft', 'published', 'retired']),
  active: z.boolean(),
  createdAt: z.string(),
  publishedAt: z.string().nullable(),
});
const ModelSchema = ModelSummarySchema.extend({ yaml: z.string() });

const summary = ({ yaml: _yaml, workspaceId: _ws, ...rest }: ModelVersionRow): z.input<typeof ModelSummarySchema> => rest;
const full = ({ workspaceId: _ws, ...rest }: ModelVersionRow): z.input<typeof ModelSchema> => rest;

const GradeCounts = z.record(GradeSchema, z.number());
const StageCounts = z.partialRecord(StageSchema, z.number());

/** Parses model text the same way a model file is loaded; every problem becomes an issue with its line. */
function compile(yaml: string): ScoringModel {
  try {
    return parseScoringModel(yaml, UPLOAD_NAME);
  } catch (err) {
    if (!(err instanceof ScoringModelError)) throw err;
    throw new ApiError(
      400,
      err.message,
      err.problems.map((p) => ({ field: `yaml:${p.line}:${p.column}${p.path ? ' ' + p.path : ''}`, message: p.message })),
    );
  }
}

/** The change is stored either way; a failed refresh only means the pipeline picks it up at its next periodic re-read. */
async function modelsChanged(ctx: ApiContext): Promise<void> {
  try {
    await ctx.services.hooks?.modelsChanged?.(ctx.workspaceId);
  } catch (err) {
    ctx.services.logger.warn({ workspace: ctx.workspaceId, err: (err as Error).message }, 'api: model changed, but the runtime could not re-read it now');
  }
}

const own = (ctx: ApiContext, id: string): Promise<ModelVersionRow> => foundOr404('model', ctx.store.getModel(id));

export const modelRoutes = [
  defineRoute({
    method: 'get',
    path: '/models',
    summary: "The workspace's model versions, newest first (without their YAML)",
    response: z.object({ models: z.array(ModelSummarySchema) }),
    async handler(_input, { store }) {
      return { models: (await store.listModels()).map(summary) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/models/active',
    summary: 'The model scoring this workspace now: its active published version, else the file model (QUALIFY_MODEL_FILE)',
    response: z.object({ versionId: z.string(), source: z.enum(['published', 'file']), model: ModelSchema.nullable() }),
    async handler(_input, { store, workspaceId, services }) {
      const active = await store.activeModel();
      // The pipeline's answer, not the store's: it is what the next score will use.
      const versionId = services.pipeline.model(workspaceId).versionId;
      return { versionId, source: active ? ('published' as const) : ('file' as const), model: active ? full(active) : null };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/models/:id',
    summary: 'One model version with its YAML',
    params: IdParams,
    response: z.object({ model: ModelSchema }),
    async handler({ params }, ctx) {
      return { model: full(await own(ctx, params.id)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/models',
    summary: 'Upload a scoring model (YAML) as a draft; 400 lists each problem with its line',
    description: 'Send the YAML itself with `Content-Type: application/yaml`, or JSON `{ "yaml": "…" }`. Nothing scores with a draft until it is published.',
    body: z.object({ yaml: z.string().min(1, 'the model text is empty') }),
    yamlBody: true,
    status: 201,
    response: z.object({ model: ModelSchema }),
    async handler({ body }, { store }) {
      const model = compile(body.yaml);
      return { model: full(await store.saveModelDraft({ yaml: body.yaml, versionId: model.versionId, name: model.name })) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/models/:id/simulate',
    summary: "Dry run: the workspace's stored leads under the current model and under this version (how many change grade and stage, examples)",
    params: IdParams,
    response: z.object({
      current: z.string(),
      candidate: z.string(),
      at: z.string(),
      leads: z.number(),
      gradeChanges: z.number(),
      stageChanges: z.number(),
      byGrade: z.object({ before: GradeCounts, after: GradeCounts }),
      byStage: z.object({ before: StageCounts, after: StageCounts }),
      examples: z.array(
        z.object({
          leadId: z.string(),
          email: z.string().nullable(),
          name: z.string().nullable(),
          grade: z.object({ from: GradeSchema, to: GradeSchema }),
          stage: z.object({ from: StageSchema, to: StageSchema }),
          score: z.object({ from: z.number(), to: z.number() }),
          reasons: z.object({ from: z.string(), to: z.string() }),
        }),
      ),
    }),
    async handler({ params }, ctx) {
      const row = await own(ctx, params.id);
      const candidate = compile(row.yaml);
      const current = ctx.services.pipeline.model(ctx.workspaceId);
      return simulateWorkspaceModel(ctx.store, current, candidate, { at: ctx.services.pipeline.now() });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/models/:id/publish',
    summary: "Make this version the workspace's active model (the one before it is retired; POST /api/rescore re-scores stored leads)",
    params: IdParams,
    response: z.object({ model: ModelSchema }),
    async handler({ params }, ctx) {
      // Stored text was valid when uploaded; compiling again guards against a loader that got stricter since.
      compile((await own(ctx, params.id)).yaml);
      const published = await foundOr404('model', ctx.store.publishModel(params.id));
      await modelsChanged(ctx);
      return { model: full(published) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/models/rollback',
    summary: 'Re-activate the version that was active before the current one; 409 when there is none',
    response: z.object({ model: ModelSchema }),
    async handler(_input, ctx) {
      const model = await ctx.store.rollbackModel();
      if (!model) throw new ApiError(409, 'nothing to roll back to: no version was active before the current one');
      await modelsChanged(ctx);
      return { model: full(model) };
    },
  }),
];
