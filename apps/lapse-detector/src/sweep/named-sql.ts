/** A table or other identifier to put into a statement (quoted), not a value. */
export class SqlIdentifier {
  constructor(readonly name: string) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  }
}

/**
 * Binds `:name` placeholders to PostgreSQL's positional parameters, numbering only the names a
 * statement uses (PostgreSQL rejects a parameter it cannot type because no statement uses it).
 * A `SqlIdentifier` value is written in as a quoted identifier. `::type` casts are left alone.
 */
export function bindNamed(sql: string, params: Record<string, unknown>): { text: string; values: unknown[] } {
  const order: string[] = [];
  const text = sql.replace(/(?<!:):([A-Za-z_]\w*)/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`SQL parameter :${name} has no value`);
    const value = params[name];
    if (value instanceof SqlIdentifier) return `"${value.name}"`;
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, values: order.map((name) => params[name]) };
}
