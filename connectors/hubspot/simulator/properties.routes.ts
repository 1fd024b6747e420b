import { Router } from 'express';
import { z } from 'zod';
import { toPropertyResponse, type PropertyDefinition } from './contact-properties.catalog.js';
import { errorBody, notFound, validationError } from './hubspot-error.bodies.js';
import { parseOr400 } from './simulator.http.js';
import type { SimulatorState } from './simulator.state.js';

/**
 * CRM v3 properties and property groups for contacts. Creating something that exists is a
 * 409 (that is how an idempotent "ensure properties" learns it has nothing to do).
 */

const FIELD_TYPES: Record<PropertyDefinition['type'], string[]> = {
  string: ['text', 'textarea', 'html', 'phonenumber', 'file'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
  bool: ['booleancheckbox', 'calculation_equation'],
};

const OptionSchema = z.object({
  label: z.string().min(1),
  value: z.string().min(1),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().default(false),
  description: z.string().optional(),
});

const PropertyCreateSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must start with a lowercase letter and contain only lowercase letters, digits and underscores'),
  label: z.string().min(1),
  type: z.enum(['string', 'number', 'date', 'datetime', 'enumeration', 'bool']),
  fieldType: z.string().min(1),
  groupName: z.string().min(1),
  description: z.string().default(''),
  options: z.array(OptionSchema).default([]),
  displayOrder: z.number().int().default(-1),
  hasUniqueValue: z.boolean().default(false),
  hidden: z.boolean().default(false),
  formField: z.boolean().default(false),
  externalOptions: z.boolean().default(false),
});

const GroupCreateSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must start with a lowercase letter and contain only lowercase letters, digits and underscores'),
  label: z.string().min(1),
  displayOrder: z.number().int().default(-1),
});

export function propertiesRoutes(state: SimulatorState): Router {
  const r = Router();
  const base = '/crm/v3/properties/contacts';

  r.get(`${base}/groups`, (_req, res) => {
    res.json({ results: [...state.groups.values()].filter((g) => !g.archived) });
  });

  r.post(`${base}/groups`, (req, res) => {
    const body = parseOr400(GroupCreateSchema, req.body, res);
    if (!body) return;
    if (state.groups.has(body.name)) {
      res.status(409).json(errorBody('OBJECT_ALREADY_EXISTS', `Property group named '${body.name}' already exists.`, { context: { name: [body.name] } }));
      return;
    }
    const group = { name: body.name, label: body.label, displayOrder: body.displayOrder, archived: false };
    state.groups.set(group.name, group);
    state.stats.writeCalls++;
    res.status(201).json(group);
  });

  r.get(`${base}/groups/:groupName`, (req, res) => {
    const group = state.groups.get(req.params.groupName);
    if (!group) {
      res.status(404).json(notFound(`Unable to find property group ${req.params.groupName} for object type 0-1`));
      return;
    }
    res.json(group);
  });

  r.get(base, (req, res) => {
    const archived = req.query.archived === 'true';
    res.json({ results: [...state.properties.values()].filter((p) => p.archived === archived).map(toPropertyResponse) });
  });

  r.post(base, (req, res) => {
    const body = parseOr400(PropertyCreateSchema, req.body, res);
    if (!body) return;
    if (state.properties.get(body.name)) {
      res.status(409).json(errorBody('OBJECT_ALREADY_EXISTS', `Property named '${body.name}' already exists.`, { context: { name: [body.name] } }));
      return;
    }
    if (!state.groups.has(body.groupName)) {
      res.status(400).json(validationError(`Property group '${body.groupName}' does not exist for object type 0-1`));
      return;
    }
    if (!FIELD_TYPES[body.type].includes(body.fieldType)) {
      res.status(400).json(validationError(`fieldType '${body.fieldType}' is not valid for type '${body.type}'; use one of ${FIELD_TYPES[body.type].join(', ')}`));
      return;
    }
    if (body.type === 'enumeration' && body.options.length === 0) {
      res.status(400).json(validationError(`Enumeration property '${body.name}' must define at least one option`));
      return;
    }
    const at = new Date(state.now()).toISOString();
    const def: PropertyDefinition = {
      ...body,
      options: body.options.map((o, i) => ({ ...o, displayOrder: o.displayOrder ?? i })),
      hubspotDefined: false,
      calculated: false,
      readOnlyValue: false,
      createdAt: at,
      updatedAt: at,
      archived: false,
      createdUserId: String(state.appId),
    };
    state.properties.set(def.name, def);
    state.stats.writeCalls++;
    res.status(201).json(toPropertyResponse(def));
  });

  r.get(`${base}/:propertyName`, (req, res) => {
    const def = state.properties.get(req.params.propertyName);
    if (!def || def.archived) {
      res.status(404).json(notFound(`Unable to find property ${req.params.propertyName} for object type 0-1`));
      return;
    }
    res.json(toPropertyResponse(def));
  });

  return r;
}
