import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

/**
 * `openapi/aaoe-api.yaml` as a checker of real answers: the route (server prefix + path template), the method and
 * the status must be described, and the JSON body must match the described schema (JSON Schema 2020-12, as
 * OpenAPI 3.1 says). Tests pass every answer of the app's API through `check`.
 */

export const API_DESCRIPTION_PATH = fileURLToPath(new URL('../../openapi/aaoe-api.yaml', import.meta.url));

type Doc = {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, any>>;
  components: Record<string, Record<string, any>>;
};

export class ApiDescription {
  readonly doc: Doc;
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private static readonly ID = 'https://aaoe.local/openapi/aaoe-api.yaml';

  constructor(text = readFileSync(API_DESCRIPTION_PATH, 'utf8')) {
    this.doc = parse(text) as Doc;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    this.ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    this.ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/);
    this.ajv.addSchema({ ...this.doc, $id: ApiDescription.ID });
  }

  /** The path template and operation of a request path (with the server prefix), or undefined. */
  operation(method: string, path: string): { template: string; operation: any } | undefined {
    const prefix = this.doc.servers[0]!.url;
    if (!path.startsWith(prefix)) return undefined;
    const rest = path.slice(prefix.length).split('?')[0]!.split('/');
    for (const [template, item] of Object.entries(this.doc.paths)) {
      const parts = template.split('/');
      if (parts.length !== rest.length || !parts.every((p, i) => /^\{.+\}$/.test(p) || p === rest[i])) continue;
      const operation = item[method.toLowerCase()];
      if (operation) return { template, operation };
    }
    return undefined;
  }

  /** Why an answer does not match the description (empty when it does). */
  check(method: string, path: string, status: number, body: unknown): string[] {
    const found = this.operation(method, path);
    if (!found) return [`${method} ${path} is not described`];
    let response = found.operation.responses?.[String(status)];
    if (!response) return [`${method} ${found.template} does not describe status ${status}`];
    let pointer = `/paths/${escape(found.template)}/${method.toLowerCase()}/responses/${status}`;
    if (typeof response.$ref === 'string') {
      pointer = response.$ref.slice(1);
      response = this.resolve(pointer);
    }
    if (!response?.content?.['application/json']?.schema)
      return [`${method} ${found.template} ${status} has no JSON schema`];
    const key = `${pointer}/content/application~1json/schema`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${ApiDescription.ID}#${key.split('/').map(encodeURIComponent).join('/')}` });
      this.compiled.set(key, validate);
    }
    return validate(body)
      ? []
      : (validate.errors ?? []).map(
          (e) => `${method} ${found.template} ${status}: ${e.instancePath || '(body)'} ${e.message}`,
        );
  }

  private resolve(pointer: string): any {
    return pointer
      .split('/')
      .slice(1)
      .reduce<any>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
  }
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
