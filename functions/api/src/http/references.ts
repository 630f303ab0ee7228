import { NotFoundError, ValidationError } from '@polku/domain';

/**
 * Loads a resource named in the request body; a missing one is a field error (400), not a 404
 * of the route itself.
 */
export async function referenced<T>(field: string, load: Promise<T>): Promise<T> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new ValidationError(`${field} does not name an existing resource`, [
        { field: `body.${field}`, message: error.message },
      ]);
    }
    throw error;
  }
}
