/*
 * What the build generates for each records<T>() call: encode/decode for T,
 * plus the schema they implement and its hash, which the store keeps with
 * the collection so that opening it with a changed type is caught.
 */
import type { Reader, Writer } from './binary';

export interface RecordCodec<T> {
  /** The type as written at the call, for messages ("Contact"). */
  readonly type: string;
  /** T's structure in a canonical text form ({mail:string;name:string;...}). */
  readonly schema: string;
  /** A hash of `schema` (16 hex digits). */
  readonly hash: string;
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
}
