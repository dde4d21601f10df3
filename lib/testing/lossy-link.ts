/*
 * The one fault model for test wires (drivers/testing/switch.ts carries
 * Ethernet frames with it, net/testing/tcp-harness.ts IPv4 segments): per
 * packet, a seeded decision to lose it, duplicate it, or hold a copy back
 * so it is overtaken. Same seed, same decisions: a failing run replays.
 */

export interface LinkFaults {
  /** Probability a packet is lost. */
  loss: number;
  /** Probability a packet that was not lost arrives twice. */
  duplicate: number;
  /** Probability each copy is held back by up to `reorderWindowMs` more. */
  reorder: number;
}

export interface LinkTiming {
  /** Every copy's base delay. */
  delayMs: number;
  /** The most a reordered copy is held back. */
  reorderWindowMs: number;
}

/** One packet's fate: the delays its copies arrive after (none: lost), and what happened to it. */
export interface PacketFate {
  delays: number[];
  lost: boolean;
  duplicated: boolean;
  /** Copies held back. */
  reordered: number;
}

export function packetFate(random: () => number, faults: LinkFaults, timing: LinkTiming): PacketFate {
  if (faults.loss > 0 && random() < faults.loss) return { delays: [], lost: true, duplicated: false, reordered: 0 };
  const duplicated = faults.duplicate > 0 && random() < faults.duplicate;
  const delays: number[] = [];
  let reordered = 0;
  for (let copy = 0; copy < (duplicated ? 2 : 1); copy++) {
    let delay = timing.delayMs;
    if (faults.reorder > 0 && random() < faults.reorder) { reordered++; delay += 1 + random() * timing.reorderWindowMs; }
    delays.push(delay);
  }
  return { delays, lost: false, duplicated, reordered };
}
