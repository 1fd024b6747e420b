import { describe, expect, test } from '@jest/globals';
import { loadMapping, parseMapping } from '../../src/mapping/load-mapping.js';
import { MappingError } from '../../src/mapping/mapping-error.js';
import { TRANSFORM_NAMES } from '../../src/mapping/mapping.schema.js';

const base = `version: 1
system: hubspot
objectType: contact
record:
  format: json
  id: id
`;

function errorOf(text: string, file = 'mappings/test.yaml'): MappingError {
  try {
    parseMapping(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(MappingError);
    return err as MappingError;
  }
  throw new Error('expected the mapping to be refused');
}

describe('loading a mapping file', () => {
  test('when the file is valid, then system, object type and outbound are exposed', () => {
    const m = parseMapping(`${base}outbound:\n  score: qualify_score\n`);
    expect([m.system, m.objectType, m.outbound]).toStrictEqual(['hubspot', 'contact', { score: 'qualify_score' }]);
  });

  test('when a field name is misspelt, then loading fails with the file, its line and the allowed names', () => {
    const e = errorOf(`${base}person:\n  firstName: { from: properties.firstname }\n  lastNmae: { from: properties.lastname }\n`);
    expect(e.file).toBe('mappings/test.yaml');
    expect(e.line).toBe(9);
    expect(e.path).toBe('person.lastNmae');
    expect(e.expected).toContain('unknown key "lastNmae"');
    expect(e.expected).toContain('allowed: firstName, lastName, jobTitle, seniority, department');
    expect(e.message).toMatch(/^mappings\/test\.yaml:9: person\.lastNmae: /);
  });

  test('when a transform name is misspelt, then loading fails at its line listing every transform', () => {
    const e = errorOf(`${base}email:\n  from: properties.email\n  transform: [trim, lowercse]\n`);
    expect(e.line).toBe(9);
    expect(e.path).toBe('email.transform[1]');
    expect(e.expected).toContain('unknown transform "lowercse"');
    for (const name of TRANSFORM_NAMES) expect(e.expected).toContain(name);
  });

  test('when a top-level key is unknown, then the allowed top-level keys are listed', () => {
    const e = errorOf(`${base}feilds: {}\n`);
    expect([e.line, e.path]).toStrictEqual([7, 'feilds']);
    expect(e.expected).toMatch(/allowed: version, system, objectType, .*events, outbound/);
  });

  test('when an event type is unknown, then the line of the type is named', () => {
    const e = errorOf(`${base}events:\n  - kind: counter\n    from: properties.views\n    id: views\n    type: page_vew\n`);
    expect([e.line, e.path]).toStrictEqual([11, 'events[0].type']);
    expect(e.expected).toContain('page_view');
  });

  test('when an event kind is unknown, then the allowed kinds are named', () => {
    const e = errorOf(`${base}events:\n  - kind: histroy\n    id: x\n`);
    expect(e.path).toBe('events[0].kind');
    expect(e.expected).toMatch(/history.*single.*counter.*list/);
  });

  test('when an event names a classifier that does not exist, then loading fails naming it', () => {
    const e = errorOf(`${base}events:\n  - kind: single\n    id: x\n    name: properties.form\n    classify: conversions\n`);
    expect([e.line, e.path]).toStrictEqual([11, 'events[0].classify']);
    expect(e.expected).toContain('unknown classifier "conversions"');
  });

  test('when an event has both or neither of type and classify, then loading fails', () => {
    expect(errorOf(`${base}events:\n  - kind: single\n    id: x\n`).expected).toContain('exactly one of "type"');
  });

  test('when a classifier pattern is no regular expression, then loading fails at the pattern', () => {
    const e = errorOf(`${base}classifiers:\n  c:\n    rules:\n      - { match: 'demo(', type: demo_request }\n    otherwise: skip\n`);
    expect([e.line, e.path]).toStrictEqual([10, 'classifiers.c.rules[0].match']);
    expect(e.expected).toContain('not a valid regular expression');
  });

  test('when a stage map names an unknown canonical stage, then loading fails', () => {
    const e = errorOf(`${base}stage:\n  from: properties.lifecyclestage\n  map: { marketingqualifiedlead: MQL }\n`);
    expect(e.path).toBe('stage.map.marketingqualifiedlead');
  });

  test('when the outbound stage map uses an unknown canonical stage, then the allowed stages are listed', () => {
    const e = errorOf(`${base}outbound:\n  stage:\n    property: lifecyclestage\n    map: { marketing_qualified: marketingqualifiedlead }\n`);
    expect(e.path).toBe('outbound.stage.map.marketing_qualified');
    expect(e.expected).toContain('allowed: subscriber, lead, mql, sql, opportunity, customer, recycled, disqualified');
  });

  test('when a CSV mapping asks for property history, then loading fails', () => {
    const e = errorOf(`version: 1\nsystem: csv\nobjectType: row\nrecord:\n  format: csv\n  id: ID\nevents:\n  - kind: history\n    property: x\n    id: x\n    type: webinar\n`);
    expect(e.path).toBe('events[0].kind');
  });

  test('when the YAML itself is broken, then the line of the syntax error is named', () => {
    const e = errorOf(`${base}person:\n  firstName: { from: properties.firstname\n`);
    expect(e.expected).toContain('valid YAML');
    expect(e.line).toBeGreaterThanOrEqual(8);
  });

  test('when several problems exist, then the first is thrown and the message lists them all', () => {
    const e = errorOf(`${base}emial: { from: x }\nperson:\n  nmae: { from: y }\n`);
    expect(e.line).toBe(7);
    expect(e.message).toContain('mappings/test.yaml:9: person.nmae');
  });

  test('when the version or system is wrong, then the error names the path', () => {
    expect(errorOf(base.replace('version: 1', 'version: 2')).path).toBe('version');
    expect(errorOf(base.replace('system: hubspot', 'system: hubspt')).path).toBe('system');
  });

  test('when the file does not exist, then the error names the file', () => {
    expect(() => loadMapping('mappings/nope.yaml')).toThrow(/mappings\/nope\.yaml: \(top level\): a readable mapping file/);
  });

  test('when the shipped mappings load, then they are valid', () => {
    expect(loadMapping('mappings/hubspot.yaml').system).toBe('hubspot');
    expect(loadMapping('mappings/datasets/x-education.yaml').system).toBe('csv');
  });
});
