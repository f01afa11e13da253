import type { z } from "zod";
import { ignoreOverride, zodToJsonSchema } from "zod-to-json-schema";

export interface JsonSchemaOptions {
  /** `openApi3` for schemas clients read as OpenAPI 3.0; the default is JSON Schema draft 7. */
  target?: "jsonSchema7" | "openApi3";
  /** Named schemas: where one of these appears inside the schema, the result holds `{ $ref: <refPath>/<name> }`. */
  references?: Record<string, z.ZodTypeAny>;
  /** Where `references` live, like `#/components/schemas`. */
  refPath?: string;
}

type Convert = (schema: z.ZodTypeAny, options: object) => Record<string, unknown>;

/**
 * A zod schema as JSON Schema: what a client may send (defaults make a field optional, refinements
 * and transforms describe their input). Everything is spelled out except the named `references`.
 * zod-to-json-schema's generic signature recurses too deep on Conveyor's schemas, so it is called
 * through a plain one.
 */
export function jsonSchemaOf(schema: z.ZodTypeAny, options: JsonSchemaOptions = {}): Record<string, unknown> {
  const names = new Map(Object.entries(options.references ?? {}).map(([name, named]) => [named._def as z.ZodTypeDef, name]));
  const { $schema: _dialect, ...converted } = (zodToJsonSchema as unknown as Convert)(schema, {
    target: options.target ?? "jsonSchema7",
    effectStrategy: "input",
    pipeStrategy: "input",
    $refStrategy: "none",
    override: (def: z.ZodTypeDef) => {
      const name = names.get(def);
      return name ? { $ref: `${options.refPath ?? "#/definitions"}/${name}` } : ignoreOverride;
    },
  });
  return converted;
}
