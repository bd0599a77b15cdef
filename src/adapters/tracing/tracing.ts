import { createHash } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import type { Octokit } from '../github/github-facts.js';

/**
 * OpenTelemetry traces, one per webhook delivery: AAOE's trace id (the `X-GitHub-Delivery` GUID, kept with every
 * execution, audit entry, job, check run and PR body) *is* the OpenTelemetry trace id, as 32 hex digits, so any of
 * them finds the trace. The delivery is the trace's remote parent: the webhook span and every job it causes, in any
 * process and after any restart, are its children, with the GitHub and model calls they make under them. The
 * companion workflow gets it as a W3C `traceparent` in the dispatch payload.
 *
 * Spans go nowhere unless an exporter is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, OTLP over HTTP; the exporter reads the standard `OTEL_*` variables);
 * without one the API is a no-op and costs nothing.
 */

export const TRACER_NAME = 'aaoe';

const HEX32 = /^[0-9a-f]{32}$/;

/** The OpenTelemetry trace id of an AAOE trace id: the GUID's 32 hex digits (any other id: its SHA-256, cut to 32). */
export function otelTraceId(traceId: string): string {
  const hex = traceId.replaceAll('-', '').toLowerCase();
  if (HEX32.test(hex) && !/^0+$/.test(hex)) return hex;
  return createHash('sha256').update(traceId, 'utf8').digest('hex').slice(0, 32);
}

/** The span id standing for the delivery itself (the remote parent of everything in its trace). */
function deliverySpanId(traceId: string): string {
  return createHash('sha256').update(`delivery:${traceId}`, 'utf8').digest('hex').slice(0, 16);
}

/** A W3C `traceparent` header value that continues an AAOE trace (for the dispatched workflow). */
export function traceparent(traceId: string): string {
  return `00-${otelTraceId(traceId)}-${deliverySpanId(traceId)}-01`;
}

export type Tracing = { shutdown(): Promise<void> };

/**
 * Registers the tracer provider (once per process): with `exporter` (tests), or the OTLP/HTTP exporter when the
 * configuration names an endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or `..._TRACES_ENDPOINT`, read by the exporter itself). Undefined when neither: tracing stays off.
 */
export function startTracing(
  options: { exporter?: SpanExporter; endpoint?: string | undefined } = {},
): Tracing | undefined {
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : options.endpoint
      ? new BatchSpanProcessor(new OTLPTraceExporter())
      : undefined;
  if (!processor) return undefined;
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

/** Runs `fn` in a span of the trace `traceId` (a child of its delivery), ending the span with `fn`'s outcome. */
export function inTrace<T>(
  traceId: string,
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: otelTraceId(traceId),
    spanId: deliverySpanId(traceId),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  return trace
    .getTracer(TRACER_NAME)
    .startActiveSpan(name, { kind, attributes: { 'aaoe.trace_id': traceId, ...attributes } }, parent, (span) =>
      ended(span, fn),
    );
}

/** Runs `fn` in a child span of the active one (a GitHub call, a model call). */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.CLIENT,
): Promise<T> {
  return trace
    .getTracer(TRACER_NAME)
    .startActiveSpan(name, { kind, attributes }, context.active(), (span) => ended(span, () => fn(span)));
}

async function ended<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

const traced = new WeakSet();

/** Every request of this Octokit becomes a client span (`GET /repos/{owner}/{repo}/pulls/{pull_number}`). */
export function traceOctokit<T extends Pick<Octokit, 'hook'>>(octokit: T): T {
  if (traced.has(octokit)) return octokit;
  traced.add(octokit);
  octokit.hook.wrap('request', (request, options) => {
    const route = `${options.method} ${options.url}`;
    return inSpan(
      `GitHub ${route}`,
      { 'http.request.method': options.method, 'url.template': options.url },
      async (span) => {
        try {
          const response = await request(options);
          span.setAttribute('http.response.status_code', response.status);
          return response;
        } catch (error) {
          const status = (error as { status?: number }).status;
          if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
          throw error;
        }
      },
    );
  });
  return octokit;
}
