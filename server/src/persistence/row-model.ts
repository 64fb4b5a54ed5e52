// One model of a row. A store reads a domain record two ways: through Prisma, with a `select`,
// and on the hot path's driver, with a raw column list. Both are built from one constant that
// names each of the record's columns once, so that they cannot drift apart;
// server/test/row-models.test.ts checks that both ways read the same record from the same row.

/** How the hot path's driver reads a column back: dates need converting (see sql-driver.ts). */
export type ColumnKind = 'value' | 'date';

/**
 * Every field of a record, with its kind. Declare a model with `satisfies RowModel<Record>`:
 * TypeScript then refuses a missing or an extra column.
 */
export type RowModel<Row> = { readonly [Column in keyof Row]-?: ColumnKind };

/** The Prisma `select` that reads exactly the model's columns. */
export function prismaSelect<Model extends RowModel<object>>(model: Model): { [Column in keyof Model]: true } {
  return Object.fromEntries(Object.keys(model).map((column) => [column, true])) as { [Column in keyof Model]: true };
}

/** The model's columns for a raw SELECT or RETURNING, qualified by a table alias: `t."id", t."name"`. */
export function sqlColumns(model: RowModel<object>, tableAlias: string): string {
  return Object.keys(model)
    .map((column) => `${tableAlias}."${column}"`)
    .join(', ');
}

/** The columns the driver must read back as Date. */
export function dateColumns(model: RowModel<object>): string[] {
  return Object.entries(model)
    .filter(([, kind]) => kind === 'date')
    .map(([column]) => column);
}
