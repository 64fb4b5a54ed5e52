// GraphQL over real HTTP, for suites whose server runs in another process.
export interface HttpGraphQLResponse {
  status: number;
  data: any;
  errors: Array<{ message: string; extensions?: { code?: string } }> | undefined;
}

export async function httpGql(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  bearerToken?: string,
  headers: Record<string, string> = {},
): Promise<HttpGraphQLResponse> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(bearerToken ? { authorization: `Bearer ${bearerToken}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: HttpGraphQLResponse['errors'] };
  return { status: response.status, data: body.data, errors: body.errors };
}
