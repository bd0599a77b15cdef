import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Checks HTTP requests (and, on demand, responses) against GitHub's official OpenAPI descriptions from
 * `@octokit/openapi`. A request is valid only when it is valid against every description given (by
 * default github.com and GitHub Enterprise Server 3.17): the route must exist in each, path parameters and
 * query parameters must have the types and enum values each declares, and the JSON body must match each
 * operation's `application/json` request schema.
 *
 * The descriptions are big (11–13 MB each): each is read, normalised and indexed once per process and kept
 * in a module-level cache together with the compiled validators, so many validators (and simulators) in
 * one test file cost nothing extra.
 */

export const DEFAULT_SPECS = ['api.github.com', 'ghes-3.17'] as const;

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export type RequestToCheck = {
  method: string;
  /** The decoded path segments, without `/api/v3` and without the query. */
  segments: string[];
  /** Query parameters as sent (a repeated name gives an array). */
  query: Record<string, string | string[]>;
  /** The parsed JSON body, or `undefined` when the request had none. */
  body: unknown;
};

export type OperationInfo = {
  operationId: string;
  method: Method;
  /** The path template, e.g. `/repos/{owner}/{repo}/pulls/{pull_number}`. */
  template: string;
  documentationUrl: string;
  /** `x-github.enabledForGitHubApps`: whether installation (and user) tokens of GitHub Apps may call it. */
  enabledForGitHubApps: boolean;
};

export type RequestCheck =
  | (OperationInfo & {
      ok: true;
      /** Path parameters, coerced to the types the description gives (e.g. `pull_number` is a number). */
      params: Record<string, unknown>;
      /** Query parameters, coerced likewise. */
      query: Record<string, unknown>;
    })
  | (Partial<OperationInfo> & {
      ok: false;
      /** The status GitHub answers with: 404 for an unknown route or a malformed path, 422 for bad input. */
      status: 404 | 422;
      /** The `message` of GitHub's error body. */
      message: string;
      /** Why, for people: one line per problem, prefixed by the description(s) it violates. */
      errors: string[];
    });

export type ValidatorOptions = {
  /** Descriptions the request must satisfy; names of files under `@octokit/openapi/generated/`. */
  specs?: readonly string[];
  /**
   * Also reject query parameters and body fields that the description does not declare. GitHub ignores
   * them, but they are almost always a typo in the caller, so this is on by default.
   */
  strict?: boolean;
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

type Operation = OperationInfo & {
  /** JSON pointer to the operation object in the description. */
  pointer: string;
  /** Path and query parameters, with a JSON pointer to each one's schema. */
  parameters: Array<{ name: string; in: string; required: boolean; pointer: string }>;
  body?: { required: boolean; pointer: string };
  responses: Map<string, string>; // status -> pointer to the application/json schema
};

type RouteNode = {
  children: Map<string, RouteNode>;
  /** Parameter children by name (two templates may name the same position differently). */
  params: Map<string, RouteNode>;
  /** A last-position parameter that may span several segments (`{path}`, `{ref}`, `{dir}`). */
  rest?: { name: string; methods: Map<string, Operation> };
  methods: Map<string, Operation>;
};

type CompiledOperation = {
  path: ValidateFunction;
  query: ValidateFunction;
  body?: ValidateFunction;
};

/** One loaded description: its document, its route tree and its validators (compiled lazily, cached). */
class LoadedSpec {
  readonly id: string;
  readonly root = newNode();
  readonly requestAjv: Ajv;
  readonly paramAjv: Ajv;
  private responseAjv?: Ajv;
  private readonly compiled = new Map<string, CompiledOperation>();
  private readonly compiledResponses = new Map<string, ValidateFunction>();
  readonly operationsById = new Map<string, Operation>();

  /** Milliseconds to read, normalise and index the description. */
  loadMs = 0;

  constructor(
    readonly name: string,
    readonly doc: JsonObject,
  ) {
    this.id = `https://openapi.simulator/${encodeURIComponent(name)}`;
    this.requestAjv = newAjv({});
    this.paramAjv = newAjv({ coerceTypes: 'array' });
    const schema = { ...doc, $id: this.id };
    this.requestAjv.addSchema(schema);
    this.paramAjv.addSchema(schema);
    this.index();
  }

  private index(): void {
    const paths = (this.doc.paths ?? {}) as Record<string, JsonObject>;
    for (const [template, item] of Object.entries(paths)) {
      for (const [method, raw] of Object.entries(item)) {
        if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
        const op = raw as JsonObject;
        const pointer = `/paths/${escapePointer(template)}/${method}`;
        const parameters: Operation['parameters'] = [];
        ((op.parameters ?? []) as JsonObject[]).forEach((p, i) => {
          let paramPointer = `${pointer}/parameters/${i}`;
          let param = p;
          if (typeof p.$ref === 'string') {
            paramPointer = p.$ref.slice(1);
            param = this.resolve(paramPointer) as JsonObject;
          }
          parameters.push({
            name: String(param.name),
            in: String(param.in),
            required: param.required === true,
            pointer: `${paramPointer}/schema`,
          });
        });
        let body: Operation['body'];
        const requestBody = op.requestBody as JsonObject | undefined;
        if (requestBody) {
          const content = requestBody.content as Record<string, JsonObject> | undefined;
          if (content?.['application/json']) {
            body = {
              required: requestBody.required === true,
              pointer: `${pointer}/requestBody/content/application~1json/schema`,
            };
          }
        }
        const responses = new Map<string, string>();
        for (const [status, r] of Object.entries((op.responses ?? {}) as Record<string, JsonObject>)) {
          let responsePointer = `${pointer}/responses/${status}`;
          let response = r;
          if (typeof r.$ref === 'string') {
            responsePointer = r.$ref.slice(1);
            response = this.resolve(responsePointer) as JsonObject;
          }
          const content = response.content as Record<string, JsonObject> | undefined;
          if (content?.['application/json']?.schema)
            responses.set(status, `${responsePointer}/content/application~1json/schema`);
        }
        const externalDocs = op.externalDocs as JsonObject | undefined;
        const xGitHub = op['x-github'] as JsonObject | undefined;
        const operation: Operation = {
          operationId: String(op.operationId),
          method: method.toUpperCase() as Method,
          template,
          documentationUrl: typeof externalDocs?.url === 'string' ? externalDocs.url : 'https://docs.github.com/rest',
          enabledForGitHubApps: xGitHub?.enabledForGitHubApps !== false,
          pointer,
          parameters,
          ...(body ? { body } : {}),
          responses,
        };
        this.operationsById.set(operation.operationId, operation);
        this.insert(template, operation);
      }
    }
  }

  private insert(template: string, operation: Operation): void {
    const segments = template.split('/').slice(1);
    let node = this.root;
    segments.forEach((segment, i) => {
      const param = /^\{(.+)\}$/.exec(segment)?.[1];
      if (param === undefined) {
        let child = node.children.get(segment);
        if (!child) node.children.set(segment, (child = newNode()));
        node = child;
      } else if (i === segments.length - 1 && REST_PARAMS.has(param)) {
        node.rest ??= { name: param, methods: new Map() };
        node.rest.methods.set(operation.method, operation);
      }
      // (a rest parameter also matches a single segment, through the ordinary parameter branch)
      if (param !== undefined) {
        let child = node.params.get(param);
        if (!child) node.params.set(param, (child = newNode()));
        node = child;
      }
    });
    node.methods.set(operation.method, operation);
  }

  /** The route a request path takes: static segments win over parameters, as in GitHub's router. */
  route(segments: string[]): { methods: Map<string, Operation>; params: Record<string, string> } | undefined {
    const walk = (node: RouteNode, i: number, params: Record<string, string>): ReturnType<LoadedSpec['route']> => {
      if (i === segments.length) return node.methods.size > 0 ? { methods: node.methods, params } : undefined;
      const segment = segments[i]!;
      const child = node.children.get(segment);
      if (child) {
        const found = walk(child, i + 1, params);
        if (found) return found;
      }
      if (segment !== '') {
        for (const [name, child] of node.params) {
          const found = walk(child, i + 1, { ...params, [name]: segment });
          if (found) return found;
        }
      }
      if (node.rest && segments.slice(i).every((s) => s !== '')) {
        return { methods: node.rest.methods, params: { ...params, [node.rest.name]: segments.slice(i).join('/') } };
      }
      return undefined;
    };
    return walk(this.root, 0, {});
  }

  resolve(pointer: string): Json | undefined {
    let node: Json | undefined = this.doc;
    for (const part of pointer.split('/').slice(1)) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      node = node && typeof node === 'object' ? (node as Record<string, Json>)[key] : undefined;
    }
    return node;
  }

  compiledFor(operation: Operation, strict: boolean): CompiledOperation {
    const key = `${operation.method} ${operation.template} ${strict}`;
    let compiled = this.compiled.get(key);
    if (compiled) return compiled;
    const objectSchema = (where: 'path' | 'query') => {
      const params = operation.parameters.filter((p) => p.in === where);
      return {
        type: 'object',
        properties: Object.fromEntries(params.map((p) => [p.name, { $ref: `${this.id}#${encodePointer(p.pointer)}` }])),
        required: params.filter((p) => p.required || where === 'path').map((p) => p.name),
        ...(strict || where === 'path' ? { additionalProperties: false } : {}),
      };
    };
    compiled = {
      path: this.paramAjv.compile(objectSchema('path')),
      query: this.paramAjv.compile(objectSchema('query')),
      ...(operation.body
        ? { body: this.requestAjv.compile({ $ref: `${this.id}#${encodePointer(operation.body.pointer)}` }) }
        : {}),
    };
    this.compiled.set(key, compiled);
    return compiled;
  }

  /** A validator for a response body; `oneOf` is read as `anyOf` because GitHub's schemas overlap. */
  responseValidator(operation: Operation, status: number): ValidateFunction | undefined {
    const pointer = operation.responses.get(String(status));
    if (!pointer) return undefined;
    let validate = this.compiledResponses.get(pointer);
    if (!validate) {
      if (!this.responseAjv) {
        const text = JSON.stringify(this.doc).replace(/"oneOf":/g, '"anyOf":');
        this.responseAjv = newAjv({});
        this.responseAjv.addSchema({ ...(JSON.parse(text) as JsonObject), $id: this.id });
      }
      validate = this.responseAjv.compile({ $ref: `${this.id}#${encodePointer(pointer)}` });
      this.compiledResponses.set(pointer, validate);
    }
    return validate;
  }
}

const REST_PARAMS = new Set(['path', 'ref', 'dir']);

function newNode(): RouteNode {
  return { children: new Map(), params: new Map(), methods: new Map() };
}

function newAjv(extra: { coerceTypes?: 'array' }): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false, ...extra });
  // OpenAPI's numeric and GitHub's own formats carry no constraint here; the ones GitHub checks are real.
  for (const format of [
    'int32',
    'int64',
    'double',
    'float',
    'binary',
    'byte',
    'password',
    'repo.nwo',
    'uri-template',
    'timestamp',
    'ssh-key',
    'ssh-key fingerprint',
    'hostname',
    'uuid',
    'ip/cidr',
    'email',
  ]) {
    ajv.addFormat(format, true);
  }
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/i);
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('uri', /^[a-z][a-z\d+.-]*:[^\s]*$/i);
  return ajv;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function encodePointer(pointer: string): string {
  return pointer
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
}

/**
 * OpenAPI 3.0 to JSON Schema, in place: `nullable: true` becomes a `null` type (and a `null` enum member);
 * examples and prose are dropped, which also halves the memory the document takes.
 */
function normalise(node: Json, inProperties = false): void {
  if (Array.isArray(node)) {
    for (const item of node) normalise(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const key of Object.keys(node)) {
    if (
      !inProperties &&
      (key === 'example' ||
        key === 'examples' ||
        (key === 'description' && typeof node[key] === 'string') ||
        key === 'x-webhooks')
    ) {
      delete node[key];
      continue;
    }
    normalise(node[key]!, !inProperties && key === 'properties');
  }
  if (!inProperties && node.nullable === true) {
    delete node.nullable;
    if (typeof node.type === 'string') {
      node.type = [node.type, 'null'];
      if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
    } else if (node.type === undefined) {
      const inner: JsonObject = { ...node };
      for (const key of Object.keys(node)) delete node[key];
      node.anyOf = [inner, { type: 'null' }];
    }
  }
}

const specCache = new Map<string, LoadedSpec>();
const require = createRequire(import.meta.url);

/** Reads, normalises and indexes a description, once per process. */
export function loadSpec(name: string): LoadedSpec {
  let spec = specCache.get(name);
  if (!spec) {
    const started = performance.now();
    const file = require.resolve(`@octokit/openapi/generated/${name}.json`);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
    delete doc['x-webhooks'];
    normalise(doc);
    spec = new LoadedSpec(name, doc);
    spec.loadMs = performance.now() - started;
    specCache.set(name, spec);
  }
  return spec;
}

export class OpenApiValidator {
  readonly specs: readonly string[];
  readonly strict: boolean;
  private readonly loaded: LoadedSpec[];

  constructor(options: ValidatorOptions = {}) {
    this.specs = options.specs ?? DEFAULT_SPECS;
    if (this.specs.length === 0) throw new Error('OpenApiValidator: at least one OpenAPI description is needed');
    this.strict = options.strict ?? true;
    this.loaded = this.specs.map(loadSpec);
  }

  /** Milliseconds each description took to load (0 when it came from the cache of an earlier load). */
  static loadTimes(): Record<string, number> {
    return Object.fromEntries([...specCache.values()].map((s) => [s.name, Math.round(s.loadMs)]));
  }

  /** The operation with this id, as the first description has it. */
  operation(operationId: string): OperationInfo | undefined {
    const op = this.loaded[0]!.operationsById.get(operationId);
    return op ? info(op) : undefined;
  }

  checkRequest(request: RequestToCheck): RequestCheck {
    const method = request.method.toUpperCase();
    const errors: string[] = [];
    let first: Operation | undefined;
    let params: Record<string, unknown> = {};
    let query: Record<string, unknown> = {};
    let status: 404 | 422 = 422;

    for (const spec of this.loaded) {
      const route = spec.route(request.segments);
      const operation = route?.methods.get(method);
      if (!route || !operation) {
        const known = route ? ` (it has ${[...route.methods.keys()].join(', ')} for this path)` : '';
        return {
          ok: false,
          status: 404,
          message: 'Not Found',
          errors: [`${spec.name}: no operation ${method} /${request.segments.join('/')}${known}`],
          ...(first ? info(first) : {}),
        };
      }
      if (first && (first.template !== operation.template || first.operationId !== operation.operationId)) {
        return {
          ok: false,
          status: 404,
          message: 'Not Found',
          errors: [
            `${spec.name} routes this to ${operation.operationId} (${operation.template}), ${this.loaded[0]!.name} to ${first.operationId} (${first.template})`,
          ],
          ...info(first),
        };
      }
      first ??= operation;
      const compiled = spec.compiledFor(operation, this.strict);

      const pathData: Record<string, unknown> = { ...route.params };
      if (!compiled.path(pathData)) {
        status = 404;
        errors.push(...describe(spec.name, 'path', compiled.path.errors));
      } else if (spec === this.loaded[0]) params = pathData;

      const queryData: Record<string, unknown> = { ...request.query };
      if (!compiled.query(queryData)) errors.push(...describe(spec.name, 'query', compiled.query.errors));
      else if (spec === this.loaded[0]) query = queryData;

      if (compiled.body) {
        if (request.body === undefined) {
          if (operation.body?.required) errors.push(`${spec.name}: body: a JSON body is required`);
        } else if (!compiled.body(request.body)) {
          errors.push(...describe(spec.name, 'body', compiled.body.errors));
        } else if (this.strict) {
          const schema = spec.resolve(operation.body!.pointer);
          for (const path of unknownFields(spec, request.body, schema, ''))
            errors.push(`${spec.name}: body: ${path} is not a field of ${operation.operationId}`);
        }
      } else if (request.body !== undefined && !isEmptyBody(request.body)) {
        errors.push(`${spec.name}: body: ${operation.operationId} takes no request body`);
      }
    }

    const operation = {
      ...info(first!),
      enabledForGitHubApps: this.loaded.every(
        (s) => s.operationsById.get(first!.operationId)?.enabledForGitHubApps !== false,
      ),
    };
    if (errors.length > 0) {
      return {
        ok: false,
        status,
        message: status === 404 ? 'Not Found' : 'Invalid request.',
        errors: mergeSpecs(errors, this.specs),
        ...operation,
      };
    }
    return { ok: true, ...operation, params, query };
  }

  /** Problems with a response body, against every description (empty when it conforms). */
  checkResponse(operationId: string, status: number, body: unknown): string[] {
    const errors: string[] = [];
    for (const spec of this.loaded) {
      const operation = spec.operationsById.get(operationId);
      if (!operation) continue;
      const validate = spec.responseValidator(operation, status);
      if (!validate) {
        if (
          status < 300 &&
          operation.responses.size > 0 &&
          ![...operation.responses.keys()].some((s) => Number(s) === status)
        ) {
          errors.push(`${spec.name}: ${operationId} has no ${status} response`);
        }
        continue;
      }
      if (!validate(body)) errors.push(...describe(spec.name, 'response', validate.errors));
    }
    return mergeSpecs(errors, this.specs);
  }
}

function info(op: Operation): OperationInfo {
  return {
    operationId: op.operationId,
    method: op.method,
    template: op.template,
    documentationUrl: op.documentationUrl,
    enabledForGitHubApps: op.enabledForGitHubApps,
  };
}

function isEmptyBody(body: unknown): boolean {
  return (
    body === '' || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)
  );
}

function describe(spec: string, where: string, errors: ErrorObject[] | null | undefined): string[] {
  const lines = new Set<string>();
  for (const e of errors ?? []) {
    // anyOf/oneOf failures repeat every branch's errors; keep the summary and the leaf errors
    const at = e.instancePath === '' ? where : `${where} ${e.instancePath}`;
    let detail = e.message ?? e.keyword;
    if (e.keyword === 'enum')
      detail += ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
    if (e.keyword === 'additionalProperties')
      detail = `has the undeclared ${(e.params as { additionalProperty: string }).additionalProperty}`;
    lines.add(`${spec}: ${at} ${detail}`);
  }
  return [...lines];
}

/** "a: x" and "b: x" become "a, b: x". */
function mergeSpecs(errors: string[], specs: readonly string[]): string[] {
  const bySpec = new Map<string, string[]>();
  for (const line of errors) {
    const spec = specs.find((s) => line.startsWith(`${s}: `));
    const rest = spec ? line.slice(spec.length + 2) : line;
    const list = bySpec.get(rest) ?? [];
    if (spec) list.push(spec);
    bySpec.set(rest, list);
  }
  return [...bySpec.entries()].map(([rest, list]) =>
    list.length > 0 ? `${[...new Set(list)].join(', ')}: ${rest}` : rest,
  );
}

/** Body fields (JSON paths) that the schema does not declare anywhere, for the strict mode. */
function unknownFields(spec: LoadedSpec, data: unknown, schema: Json | undefined, path: string): string[] {
  const resolved = deref(spec, schema);
  if (!resolved || typeof resolved !== 'object' || Array.isArray(resolved)) return [];
  const branches = [
    resolved,
    ...(['allOf', 'anyOf', 'oneOf'] as const).flatMap((k) =>
      ((resolved[k] as Json[] | undefined) ?? []).map((s) => deref(spec, s)),
    ),
  ].filter((s): s is JsonObject => !!s && typeof s === 'object' && !Array.isArray(s));
  if (Array.isArray(data)) {
    const items = branches.map((b) => b.items).find((i) => i !== undefined);
    return items === undefined ? [] : data.flatMap((item, i) => unknownFields(spec, item, items, `${path}[${i}]`));
  }
  if (data === null || typeof data !== 'object') return [];
  if (branches.some((b) => b.additionalProperties !== undefined && b.additionalProperties !== false)) return [];
  const properties = new Map<string, Json>();
  for (const b of branches)
    for (const [k, v] of Object.entries((b.properties as JsonObject | undefined) ?? {}))
      if (!properties.has(k)) properties.set(k, v);
  if (properties.size === 0) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const sub = properties.get(key);
    const at = path === '' ? key : `${path}.${key}`;
    if (sub === undefined) found.push(at);
    else found.push(...unknownFields(spec, value, sub, at));
  }
  return found;
}

function deref(spec: LoadedSpec, schema: Json | undefined): Json | undefined {
  let s = schema;
  for (let i = 0; i < 10 && s && typeof s === 'object' && !Array.isArray(s) && typeof s.$ref === 'string'; i++)
    s = spec.resolve(s.$ref.slice(1));
  return s;
}
