// The Account type has no path to the stored password hash: none in the schema today, and none
// that a new field could open (the builder's model types leave passwordHash out; builder.ts).
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builder } from '../src/graphql/builder.js';
import { schema } from '../src/graphql/schema.js';
import { AccountType } from '../src/graphql/types/account.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

/** Every field of the Account type, object-typed ones down to their scalars. */
function selectionOf(type: GraphQLObjectType, depth = 0): string {
  const fields = Object.values(type.getFields()).map((field) => {
    const named = getNamedType(field.type);
    return isObjectType(named) ? (depth < 2 ? `${field.name} ${selectionOf(named, depth + 1)}` : '') : field.name;
  });
  return `{ ${fields.filter(Boolean).join(' ')} }`;
}

describe('the password hash', () => {
  it('is in no response of any Account field', async () => {
    const { session, email } = await t.signUp();
    const stored = await t.app.database.prisma.account.findUnique({ where: { email } });
    const everyField = selectionOf(schema.getType('Account') as GraphQLObjectType);
    const responses = [
      await t.gql(`{ viewer ${everyField} }`, {}, bearer(session)),
      await t.gql(`mutation { choosePlan(planId: "free") ${everyField} }`, {}, bearer(session)),
      await t.gql(`mutation($email: String!) { signIn(email: $email, password: "correct horse battery") { account ${everyField} } }`, { email }),
    ];
    for (const response of responses) {
      expect(response.errors).toBeUndefined();
      expect(JSON.stringify(response.data)).not.toContain(stored!.passwordHash);
      expect(JSON.stringify(response.data)).not.toContain('$argon2');
    }
  });

  it('cannot be reached by a field added to the Account type (a compile error; npm run typecheck checks it)', () => {
    // Never called: each statement must fail to compile, which @ts-expect-error asserts.
    const pathsThatMustNotCompile = () => {
      builder.prismaObjectField('Account', 'leak', (f) =>
        // @ts-expect-error passwordHash is not among the Account model's fields here
        f.exposeString('passwordHash'),
      );
      builder.objectField(AccountType, 'leak', (f) =>
        // @ts-expect-error nor on the object a resolver receives
        f.string({ resolve: (account) => account.passwordHash }),
      );
    };
    expect(typeof pathsThatMustNotCompile).toBe('function');
  });
});
