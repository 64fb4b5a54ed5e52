// PogodocClient: the small typed SDK integrators use, as on the product page:
//
//   import { PogodocClient } from "pogodoc";
//   const pogodoc = new PogodocClient({ token: process.env.POGODOC_API_TOKEN! });
//
// Without an explicit token it reads POGODOC_API_TOKEN, loading ./.env first if the variable is
// not set. Token failures come back as PogodocTokenError with the server's stable code.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { graphql } from '../src/gql/index.js';

const RenderDocumentMutation = graphql(`
  mutation SdkRenderDocument($template: String!, $data: JSON!) {
    renderDocument(template: $template, data: $data) {
      content
      tokenId
      documentCount
    }
  }
`);

/** The codes of a refused API token: the request can succeed only with another token or an active plan. */
export type PogodocTokenErrorCode =
  | 'API_TOKEN_MISSING'
  | 'API_TOKEN_MALFORMED'
  | 'API_TOKEN_INVALID'
  | 'API_TOKEN_DELETED'
  | 'PLAN_REQUIRED';

const TOKEN_ERROR_CODES = new Set<string>(['API_TOKEN_MISSING', 'API_TOKEN_MALFORMED', 'API_TOKEN_INVALID', 'API_TOKEN_DELETED', 'PLAN_REQUIRED']);

export class PogodocError extends Error {
  constructor(
    message: string,
    /** The server's extensions.code, e.g. TEMPLATE_INVALID; NETWORK_ERROR when it could not be reached. */
    readonly code: string,
    /** The HTTP status, when there was a response. */
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The API token was refused (HTTP 401). */
export class PogodocTokenError extends PogodocError {
  declare readonly code: PogodocTokenErrorCode;
}

export interface PogodocClientOptions {
  /** The API token. Defaults to POGODOC_API_TOKEN, from the environment or ./.env. */
  token?: string;
  /** The API's base URL. Defaults to POGODOC_API_URL, then https://api.pogodoc.com. */
  baseUrl?: string;
  /** Where to look for .env; defaults to the working directory. */
  envFile?: string;
}

export interface RenderedDocument {
  content: string;
  tokenId: string;
  /** The token's document count, this document included. */
  documentCount: number;
}

function fromEnvironment(name: string, envFile: string): string | undefined {
  if (process.env[name] === undefined && existsSync(envFile)) process.loadEnvFile(envFile);
  return process.env[name] || undefined;
}

export class PogodocClient {
  private readonly token: string | undefined;
  private readonly endpoint: string;

  constructor(options: PogodocClientOptions = {}) {
    const envFile = options.envFile ?? path.resolve('.env');
    this.token = options.token ?? fromEnvironment('POGODOC_API_TOKEN', envFile);
    const baseUrl = options.baseUrl ?? fromEnvironment('POGODOC_API_URL', envFile) ?? 'https://api.pogodoc.com';
    this.endpoint = `${baseUrl.replace(/\/+$/, '')}/graphql`;
  }

  /** Renders a Liquid template with data; counts one document on the token. */
  async renderDocument(input: { template: string; data: Record<string, unknown> }): Promise<RenderedDocument> {
    const result = await this.request(RenderDocumentMutation, input);
    return result.renderDocument;
  }

  private async request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: JSON.stringify({ query: print(document), variables }),
      });
    } catch (error) {
      throw new PogodocError(`Could not reach the Pogodoc API at ${this.endpoint}: ${(error as Error).message}`, 'NETWORK_ERROR');
    }
    const body = (await response.json().catch(() => null)) as {
      data?: Result | null;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    } | null;
    const first = body?.errors?.[0];
    if (first) {
      const code = first.extensions?.code ?? 'UNKNOWN';
      const ErrorClass = TOKEN_ERROR_CODES.has(code) ? PogodocTokenError : PogodocError;
      throw new ErrorClass(first.message, code, response.status);
    }
    if (!response.ok || !body?.data) {
      throw new PogodocError(`The Pogodoc API answered HTTP ${response.status}.`, 'HTTP_ERROR', response.status);
    }
    return body.data;
  }
}
