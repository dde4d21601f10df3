/*
 * AXFR (RFC 5936): the whole zone as a stream of messages over TCP, the
 * SOA first and last and every other record once in between, in zone-file
 * order. Records are packed greedily into messages of about 16 KB, well
 * under the 64 KB a TCP frame allows, so no record ever needs splitting.
 */
import { RRTYPE } from './constants';
import { type Edns } from './edns';
import { type Question, type ResourceRecord } from './rdata';
import { encodeMessage, type DnsMessage } from './wire';
import { type ZoneIndex } from './zone-index';

const TARGET_MESSAGE_BYTES = 16384;

export function zoneTransfer(zone: ZoneIndex, id: number, question: Question, edns: Edns | null): Uint8Array[] {
  const records: ResourceRecord[] = [zone.soa];
  for (let i = 0; i < zone.zone.records.length; i++) if (zone.zone.records[i].type !== RRTYPE.SOA) records.push(zone.zone.records[i]);
  records.push(zone.soa);

  const out: Uint8Array[] = [];
  let batch: ResourceRecord[] = [];
  let bytes = 0;
  const flush = (): void => {
    out.push(encodeMessage(transferMessage(id, out.length === 0 ? [question] : [], batch, edns)));
    batch = [];
    bytes = 0;
  };
  for (let i = 0; i < records.length; i++) {
    // The uncompressed size bounds the compressed one, so a batch never outgrows a frame.
    const size = encodeMessage(transferMessage(0, [], [records[i]], null), { compress: false }).length - 12;
    if (batch.length > 0 && bytes + size > TARGET_MESSAGE_BYTES) flush();
    batch.push(records[i]);
    bytes += size;
  }
  flush();
  return out;
}

function transferMessage(id: number, questions: Question[], answers: ResourceRecord[], edns: Edns | null): DnsMessage {
  return {
    id: id, qr: true, opcode: 0, aa: true, tc: false, rd: false, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: questions, answers: answers, authority: [], additional: [], edns: edns,
  };
}
