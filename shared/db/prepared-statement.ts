import type { Knex } from "knex";
import type { ClientBase, QueryResultRow } from "pg";

/**
 * A statement of the job path run as a named prepared statement (decision 29): each pooled
 * connection sends its text and Postgres parses it once, and every later run sends only the name
 * and the values. Written with knex's `?` placeholders like the rest of the repositories; `db` may be
 * a transaction, whose connection it then runs on.
 */
export class PreparedStatement {
  readonly text: string;

  constructor(
    readonly name: string,
    sql: string,
  ) {
    if (sql.includes("??")) throw new Error(`prepared statement ${name}: identifier bindings (??) are not supported`);
    let position = 0;
    this.text = sql.replace(/\?/g, () => `$${++position}`);
  }

  async run<Row extends QueryResultRow>(db: Knex, values: readonly unknown[]): Promise<Row[]> {
    const connection = (await db.client.acquireConnection()) as ClientBase;
    try {
      return (await connection.query<Row>({ name: this.name, text: this.text, values: [...values] })).rows;
    } finally {
      await db.client.releaseConnection(connection);
    }
  }
}
