import { z } from 'zod';

/** `POST /crm/v3/objects/contacts/search` body, as HubSpot accepts it (values may be sent as numbers too). */

export const FILTER_OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

export const FilterSchema = z.object({
  propertyName: z.string().min(1),
  operator: z.enum(FILTER_OPERATORS),
  value: scalar.optional(),
  highValue: scalar.optional(),
  values: z.array(scalar).optional(),
});
export type Filter = z.infer<typeof FilterSchema>;

export const SortSchema = z.union([
  // The SDK types sorts as strings; HubSpot's documented form is the object.
  z.string().transform((s) => (s.startsWith('-') ? { propertyName: s.slice(1), direction: 'DESCENDING' as const } : { propertyName: s, direction: 'ASCENDING' as const })),
  z.object({ propertyName: z.string().min(1), direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING') }),
]);

export const SearchRequestSchema = z.object({
  filterGroups: z.array(z.object({ filters: z.array(FilterSchema) })).default([]),
  sorts: z.array(SortSchema).default([]),
  properties: z.array(z.string()).optional(),
  query: z.string().optional(),
  limit: z.coerce.number().int().min(0).default(10),
  after: z.union([z.string(), z.number()]).optional().transform((v) => (v === undefined || v === '' ? 0 : Number(v))),
});
export type SearchRequest = z.infer<typeof SearchRequestSchema>;

/** HubSpot's documented search limits. */
export const SEARCH_LIMITS = {
  maxPageSize: 200,
  maxResults: 10_000,
  maxFilterGroups: 5,
  maxFiltersPerGroup: 6,
  maxFiltersTotal: 18,
  maxSorts: 1,
} as const;
