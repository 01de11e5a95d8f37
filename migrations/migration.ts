/** One forward-only schema step. `version` orders them; applied steps are never edited. */
export interface SchemaMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
