import type { Knex } from "knex";

/**
 * A JavaScript array bound as a Postgres array parameter (for `unnest(?::uuid[], …)`). pg serialises
 * arrays with nulls correctly; knex's binding types just do not admit them.
 */
export const pgArray = (values: readonly unknown[]): Knex.Value => values as Knex.Value;
