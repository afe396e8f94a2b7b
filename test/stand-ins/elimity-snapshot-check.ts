import type {
  DateTimeFields,
  DomainGraphSchema,
  Entity,
  Relationship,
} from '../../shared/elimity-model';

/** A decoded snapshot that passed every check; what the receiver stores. */
export interface CheckedSnapshot {
  entities: Entity[];
  relationships: Relationship[];
  historyTimestamp?: DateTimeFields;
}

/** One connector log line as the receiver stores it. */
export interface CheckedLog {
  level: 'info' | 'alert';
  message: string;
  timestamp: string;
}

/** Either the checked value or the list of problems, each naming the JSON path at fault. */
export type CheckResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const VALUE_TYPES = new Set(['boolean', 'number', 'string', 'date', 'dateTime', 'time']);
const TOP_LEVEL_KEYS = new Set(['entities', 'relationships', 'streamItems', 'historyTimestamp']);
const ENTITY_KEYS = new Set(['id', 'name', 'type', 'attributeAssignments']);
const RELATIONSHIP_KEYS = new Set([
  'fromEntityId',
  'fromEntityType',
  'toEntityId',
  'toEntityType',
  'attributeAssignments',
]);
const LOG_KEYS = new Set(['level', 'message', 'timestamp']);
// Elimity date/time values are objects of exactly these integer UTC fields (elimity-api.md §3.2).
const TIME_FIELDS = {
  date: ['year', 'month', 'day'],
  dateTime: ['year', 'month', 'day', 'hour', 'minute', 'second'],
  time: ['hour', 'minute', 'second'],
} as const;
const FIELD_RANGES: Record<string, readonly [number, number]> = {
  year: [1, 9999],
  month: [1, 12],
  day: [1, 31],
  hour: [0, 23],
  minute: [0, 59],
  second: [0, 59],
};
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Json = Record<string, unknown>;

interface Lookups {
  entityTypes: Set<string>;
  /** `entityType/attributeId` → declaration. */
  entityAttributes: Map<string, { type: string; archived: boolean }>;
  /** `parentType/childType/attributeId` → declaration. */
  relationshipAttributes: Map<string, { type: string; archived: boolean }>;
  /** `from/to` pairs, or undefined when the model does not list relationship types. */
  relationshipPairs: Set<string> | undefined;
}

/** Checks a decoded snapshot document the way a strict Elimity would, against `model`. */
export function checkSnapshot(
  doc: unknown,
  model: DomainGraphSchema,
): CheckResult<CheckedSnapshot> {
  const problems: string[] = [];
  if (!isObject(doc)) return { ok: false, problems: ['the document must be a JSON object'] };
  const keys = Object.keys(doc);
  for (const key of keys) {
    if (!TOP_LEVEL_KEYS.has(key)) problems.push(`unknown top-level field "${key}"`);
  }
  if (!Array.isArray(doc.entities)) problems.push('"entities" must be an array');
  if (!Array.isArray(doc.relationships)) problems.push('"relationships" must be an array');
  // Elimity's clients always write every entity before any relationship; a streaming parser
  // on the server may rely on it.
  if (keys.includes('entities') && keys.indexOf('relationships') < keys.indexOf('entities')) {
    problems.push('"entities" must come before "relationships"');
  }
  if (doc.historyTimestamp !== undefined) {
    checkTimeFields(doc.historyTimestamp, 'dateTime', 'historyTimestamp', problems);
  }
  if (problems.length > 0) return { ok: false, problems };

  const entities: Array<[unknown, string]> = (doc.entities as unknown[]).map((e, i) => [
    e,
    `entities[${i}]`,
  ]);
  const relationships: Array<[unknown, string]> = (doc.relationships as unknown[]).map((r, i) => [
    r,
    `relationships[${i}]`,
  ]);
  if (doc.streamItems !== undefined) {
    if (!Array.isArray(doc.streamItems)) problems.push('"streamItems" must be an array');
    else collectStreamItems(doc.streamItems, entities, relationships, problems);
  }

  const lookups = buildLookups(model);
  const seenEntities = new Map<string, string>();
  for (const [entity, path] of entities) checkEntity(entity, path, lookups, seenEntities, problems);
  const seenRelationships = new Map<string, string>();
  for (const [relationship, path] of relationships) {
    checkRelationship(relationship, path, lookups, seenEntities, seenRelationships, problems);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      entities: entities.map(([e]) => e as Entity),
      relationships: relationships.map(([r]) => r as Relationship),
      ...(doc.historyTimestamp === undefined
        ? {}
        : { historyTimestamp: doc.historyTimestamp as DateTimeFields }),
    },
  };
}

/** Checks a decoded `POST …/connector-logs` body: an array of `{level, message, timestamp}`. */
export function checkLogs(doc: unknown): CheckResult<CheckedLog[]> {
  if (!Array.isArray(doc))
    return { ok: false, problems: ['the body must be a JSON array of logs'] };
  const problems: string[] = [];
  doc.forEach((log: unknown, i) => {
    const path = `[${i}]`;
    if (!isObject(log)) {
      problems.push(`${path}: must be an object`);
      return;
    }
    checkKeys(log, LOG_KEYS, path, problems);
    if (log.level !== 'info' && log.level !== 'alert') {
      problems.push(`${path}.level: must be "info" or "alert" (got ${show(log.level)})`);
    }
    if (typeof log.message !== 'string') problems.push(`${path}.message: must be a string`);
    if (
      typeof log.timestamp !== 'string' ||
      !RFC3339.test(log.timestamp) ||
      Number.isNaN(Date.parse(log.timestamp))
    ) {
      problems.push(
        `${path}.timestamp: must be an RFC 3339 date-time (got ${show(log.timestamp)})`,
      );
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: doc as CheckedLog[] };
}

function buildLookups(model: DomainGraphSchema): Lookups {
  return {
    entityTypes: new Set(model.entityTypes.map((t) => t.id)),
    entityAttributes: new Map(
      model.entityAttributeTypes.map((a) => [
        `${a.entityTypeId}/${a.id}`,
        { type: a.type, archived: a.archived === true },
      ]),
    ),
    relationshipAttributes: new Map(
      model.relationshipAttributeTypes.map((a) => [
        `${a.parentType}/${a.childType}/${a.id}`,
        { type: a.type, archived: a.archived === true },
      ]),
    ),
    relationshipPairs: model.relationshipTypes
      ? new Set(model.relationshipTypes.map((t) => `${t.fromEntityTypeId}/${t.toEntityTypeId}`))
      : undefined,
  };
}

function collectStreamItems(
  items: unknown[],
  entities: Array<[unknown, string]>,
  relationships: Array<[unknown, string]>,
  problems: string[],
): void {
  items.forEach((item, i) => {
    const path = `streamItems[${i}]`;
    if (isObject(item) && item.type === 'entity') entities.push([item.entity, `${path}.entity`]);
    else if (isObject(item) && item.type === 'relationship') {
      relationships.push([item.relationship, `${path}.relationship`]);
    } else problems.push(`${path}: must be {"type":"entity",…} or {"type":"relationship",…}`);
  });
}

function checkEntity(
  entity: unknown,
  path: string,
  lookups: Lookups,
  seen: Map<string, string>,
  problems: string[],
): void {
  if (!isObject(entity)) {
    problems.push(`${path}: must be an object`);
    return;
  }
  checkKeys(entity, ENTITY_KEYS, path, problems);
  const { id, name, type } = entity;
  if (typeof id !== 'string' || id === '') problems.push(`${path}.id: must be a non-empty string`);
  if (typeof name !== 'string' || name === '') {
    problems.push(`${path}.name: must be a non-empty string`);
  }
  const typeKnown = typeof type === 'string' && lookups.entityTypes.has(type);
  if (!typeKnown) {
    const known = [...lookups.entityTypes].join(', ');
    problems.push(`${path}.type: unknown entity type ${show(type)} (the data model has ${known})`);
  }
  if (typeof id === 'string' && typeof type === 'string') {
    const key = `${type}/${id}`;
    const first = seen.get(key);
    if (first) {
      problems.push(`${path}: duplicate entity (type "${type}", id "${id}"), first at ${first}`);
    } else seen.set(key, path);
  }
  if (!Array.isArray(entity.attributeAssignments)) {
    problems.push(`${path}.attributeAssignments: must be an array`);
  } else if (typeKnown) {
    checkAssignments(
      entity.attributeAssignments,
      `${path}.attributeAssignments`,
      (attributeId) => lookups.entityAttributes.get(`${type}/${attributeId}`),
      `entity type "${type as string}"`,
      problems,
    );
  }
}

function checkRelationship(
  relationship: unknown,
  path: string,
  lookups: Lookups,
  entities: Map<string, string>,
  seen: Map<string, string>,
  problems: string[],
): void {
  if (!isObject(relationship)) {
    problems.push(`${path}: must be an object`);
    return;
  }
  checkKeys(relationship, RELATIONSHIP_KEYS, path, problems);
  let endpointsKnown = true;
  for (const side of ['from', 'to'] as const) {
    const id = relationship[`${side}EntityId`];
    const type = relationship[`${side}EntityType`];
    if (typeof id !== 'string' || id === '') {
      problems.push(`${path}.${side}EntityId: must be a non-empty string`);
      endpointsKnown = false;
    }
    if (typeof type !== 'string' || !lookups.entityTypes.has(type)) {
      problems.push(`${path}.${side}EntityType: unknown entity type ${show(type)}`);
      endpointsKnown = false;
    } else if (typeof id === 'string' && !entities.has(`${type}/${id}`)) {
      problems.push(
        `${path}.${side}EntityId: no entity of type "${type}" with id "${id}" in this snapshot`,
      );
    }
  }
  if (!endpointsKnown) return;
  const from = relationship.fromEntityType as string;
  const to = relationship.toEntityType as string;
  if (lookups.relationshipPairs && !lookups.relationshipPairs.has(`${from}/${to}`)) {
    problems.push(`${path}: relationship type ${from} → ${to} is not in the data model`);
  }
  const key = `${from}/${relationship.fromEntityId}/${to}/${relationship.toEntityId}`;
  const first = seen.get(key);
  if (first) problems.push(`${path}: duplicate relationship, first at ${first}`);
  else seen.set(key, path);
  if (!Array.isArray(relationship.attributeAssignments)) {
    problems.push(`${path}.attributeAssignments: must be an array`);
    return;
  }
  checkAssignments(
    relationship.attributeAssignments,
    `${path}.attributeAssignments`,
    (attributeId) => lookups.relationshipAttributes.get(`${from}/${to}/${attributeId}`),
    `relationship type ${from} → ${to}`,
    problems,
  );
}

function checkAssignments(
  assignments: unknown[],
  path: string,
  declaration: (attributeId: string) => { type: string; archived: boolean } | undefined,
  owner: string,
  problems: string[],
): void {
  const seen = new Set<string>();
  assignments.forEach((assignment, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(assignment)) {
      problems.push(`${at}: must be an object`);
      return;
    }
    checkKeys(assignment, new Set(['attributeTypeId', 'value']), at, problems);
    const { attributeTypeId, value } = assignment;
    if (typeof attributeTypeId !== 'string') {
      problems.push(`${at}.attributeTypeId: must be a string`);
      return;
    }
    if (seen.has(attributeTypeId)) {
      problems.push(`${at}.attributeTypeId: attribute "${attributeTypeId}" is assigned twice`);
    }
    seen.add(attributeTypeId);
    const declared = declaration(attributeTypeId);
    if (!declared) {
      problems.push(`${at}.attributeTypeId: unknown attribute "${attributeTypeId}" for ${owner}`);
      return;
    }
    if (declared.archived) {
      problems.push(
        `${at}.attributeTypeId: attribute "${attributeTypeId}" of ${owner} is archived`,
      );
    }
    if (!isObject(value)) {
      problems.push(`${at}.value: must be an object {"type", "value"}`);
      return;
    }
    checkKeys(value, new Set(['type', 'value']), `${at}.value`, problems);
    if (typeof value.type !== 'string' || !VALUE_TYPES.has(value.type)) {
      problems.push(`${at}.value.type: unknown value type ${show(value.type)}`);
      return;
    }
    if (value.type !== declared.type) {
      problems.push(
        `${at}.value.type: "${value.type}" but attribute "${attributeTypeId}" of ${owner} is declared "${declared.type}"`,
      );
    }
    checkEncoding(value.type, value.value, `${at}.value.value`, problems);
  });
}

function checkEncoding(type: string, value: unknown, path: string, problems: string[]): void {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') problems.push(`${path}: a string value must be a JSON string`);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        problems.push(`${path}: a number value must be a finite JSON number`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean')
        problems.push(`${path}: a boolean value must be true or false`);
      return;
    case 'date':
    case 'dateTime':
    case 'time':
      checkTimeFields(value, type, path, problems);
      return;
  }
}

function checkTimeFields(
  value: unknown,
  type: keyof typeof TIME_FIELDS,
  path: string,
  problems: string[],
): void {
  const fields = TIME_FIELDS[type];
  if (!isObject(value)) {
    problems.push(
      `${path}: a ${type} value must be an object {${fields.join(', ')}} (got ${show(value)})`,
    );
    return;
  }
  const extra = Object.keys(value).filter((k) => !(fields as readonly string[]).includes(k));
  if (extra.length > 0) {
    problems.push(
      `${path}: a ${type} value has only ${fields.join(', ')} (unexpected ${extra.join(', ')})`,
    );
  }
  let valid = true;
  for (const field of fields) {
    const n = value[field];
    const [min, max] = FIELD_RANGES[field] ?? [0, 0];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      problems.push(`${path}.${field}: must be an integer ${min}–${max} (got ${show(n)})`);
      valid = false;
    }
  }
  if (valid && 'day' in value) {
    const { year, month, day } = value as { year: number; month: number; day: number };
    // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    if (date.getUTCDate() !== day)
      problems.push(`${path}: ${year}-${month}-${day} is not a calendar date`);
  }
}

function checkKeys(object: Json, allowed: Set<string>, path: string, problems: string[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.has(key)) problems.push(`${path}: unknown field "${key}"`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? 'nothing' : json.length > 40 ? `${json.slice(0, 40)}…` : json;
}
