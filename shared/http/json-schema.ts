import type { z } from "zod";
import { zodToJsonSchema } from "zod-to-json-schema";

export interface JsonSchemaOptions {
  /** `openApi3` for schemas clients read as OpenAPI 3.0; the default is JSON Schema draft 7. */
  target?: "jsonSchema7" | "openApi3";
  /** Named schemas: where one of these objects appears, the result holds a `$ref` to `<refPath>/<name>`. */
  definitions?: Record<string, z.ZodTypeAny>;
  /** Where `definitions` are referenced from, like `#/components/schemas`. */
  refPath?: string;
}

type Convert = (schema: z.ZodTypeAny, options: object) => Record<string, unknown>;

/**
 * A zod schema as JSON Schema: what a client may send (defaults make a field optional, refinements
 * and transforms describe their input). zod-to-json-schema's generic signature recurses too deep on
 * Conveyor's schemas, so it is called through a plain one.
 */
export function jsonSchemaOf(schema: z.ZodTypeAny, options: JsonSchemaOptions = {}): Record<string, unknown> {
  const [hash, ...refPath] = (options.refPath ?? "#/definitions").split("/");
  const converted = (zodToJsonSchema as unknown as Convert)(schema, {
    target: options.target ?? "jsonSchema7",
    effectStrategy: "input",
    pipeStrategy: "input",
    $refStrategy: options.definitions ? "root" : "none",
    definitions: options.definitions ?? {},
    basePath: [hash, ...refPath.slice(0, -1)],
    definitionPath: refPath[refPath.length - 1],
  });
  const { $schema: _schema, [refPath[refPath.length - 1]]: _definitions, ...rest } = converted;
  return rest;
}
