/* The DNS core's public API: wire codec, names, rdata, presentation format, zone files, the authoritative server, the stub resolver. */
export { CLASS, OPCODE, RCODE, RRTYPE, classFromText, classToText, typeFromText, typeToText } from './constants';
export { DnsFormatError, DnsSyntaxError, ZoneError } from './errors';
export {
  MAX_LABEL_LENGTH, MAX_NAME_LENGTH, concatNames, formatName, isSubdomain, lowercaseName, nameKey, namesEqual,
  nameWireLength, parseName, type DnsName,
} from './name';
export { compressesRdataNames, rdataKindFor, type Question, type Rdata, type RdataKind, type ResourceRecord } from './rdata';
export { type Edns, type EdnsOption } from './edns';
export { decodeHeader, decodeMessage, encodeMessage, type DnsMessage, type EncodeOptions, type Header, type HeaderCounts } from './wire';
export { formatRdata, formatRecord, parseRdata, type RdataToken } from './rdata-text';
export { parseZone, type Zone, type ZoneOptions } from './zone';
export { type SourceLine } from './zone-check';
export { createAuthority, type Authority, type Resolution } from './authority';
export { createResponder, type QueryContext, type Responder, type ResponderOptions } from './responder';
export { serveDns, type DnsServer, type DnsServerOptions } from './server';
export { indexZone, type ZoneIndex } from './zone-index';
export { createResolver, type Answer, type MxAnswer, type Resolver, type ResolverOptions } from './resolver';
export { ResolveError, type ResolveErrorCode } from './resolver-errors';
export { createResolverCache, type CachedResult, type ResolverCache, type ResolverCacheOptions } from './resolver-cache';
export { loadZoneFiles, loadFolderZones, type ReadText, type ZoneVolume } from './zone-files';
