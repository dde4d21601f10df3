/** Named counters a layer keeps of what it dropped and why ("ipv4.bad-checksum": 3). */
export interface Counters { [name: string]: number }

export function count(counters: Counters, name: string, by = 1): void {
  counters[name] = (counters[name] || 0) + by;
}
