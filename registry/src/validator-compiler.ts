import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Validates requests with TypeBox itself rather than fastify's default Ajv, which silently strips
 * unknown properties (`removeAdditional`) instead of refusing them. Path and query strings are
 * converted to the schema's types (e.g. `limit=2` to a number) and given their defaults first.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const checker = TypeCompiler.Compile(schema);
  const isStringly = httpPart === 'querystring' || httpPart === 'params' || httpPart === 'headers';
  return (data: unknown) => {
    const value = isStringly ? Value.Convert(schema, Value.Default(schema, Value.Clone(data))) : data;
    if (checker.Check(value)) return { value };
    const first = checker.Errors(value).First();
    const where = first ? `${httpPart}${first.path || ''}` : httpPart;
    return { error: new Error(`Invalid ${where}: ${first?.message ?? 'does not match the schema'}`) };
  };
};
