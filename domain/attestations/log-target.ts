/**
 * A transparency log a submission goes to. `required` logs decide whether the
 * submission succeeded; mirrors that are not required are best effort.
 */
export interface LogTarget {
  /** The configured log's name, e.g. `rekor-v1`, `local-v2`. */
  readonly name: string;
  readonly required: boolean;
}
