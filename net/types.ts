/*
 * What the layers of the stack see of each other: the IP layer's sender,
 * transports' input, and the flow and datagram APIs apps get. Time, counters
 * and randomness are lib/'s (Scheduler, Counters, RandomSource).
 */
import type { Ipv4Address } from './address';


/** How a transport (UDP, TCP, ICMP) hands packets to IPv4. */
export interface IpSender {
  /** The configured source address; 0 while none is (before DHCP). */
  localAddress(): Ipv4Address;
  /** The largest transport payload that needs no fragmentation (MTU − 20). */
  readonly maxPayload: number;
  /** Sends `payload` to `dst` as one IPv4 packet of `protocol`. Never throws; a drop is counted. */
  send(dst: Ipv4Address, protocol: number, payload: Uint8Array, src?: Ipv4Address): void;
  /**
   * Where a transport's bytes start in a frame from frame(): the link and
   * IPv4 headers go before them, written in place by sendFrame, so a
   * packet's data is copied once, into the frame that leaves.
   */
  readonly transportOffset: number;
  /** A zeroed frame with room for `length` transport bytes at transportOffset. */
  frame(length: number): Uint8Array;
  /** send() for the `length` transport bytes at transportOffset of a frame from frame(), which is the sender's from now on. */
  sendFrame(dst: Ipv4Address, protocol: number, frame: Uint8Array, length: number, src?: Ipv4Address): void;
}

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

/** A transport's receive side, called by IPv4 for each packet of its protocol. */
export type TransportInput = (src: Ipv4Address, dst: Ipv4Address, payload: Uint8Array) => void;

export interface Endpoint { address: Ipv4Address; port: number }

/**
 * A connected byte stream (TCP): every service uses this. read() resolves to
 * the next bytes, or null at the peer's end of stream; write() resolves once
 * the bytes are accepted into the send buffer (so awaiting it is
 * backpressure); close() sends FIN after what was written and resolves when
 * the connection is closed; abort() resets it. Errors reject with FlowError.
 */
export interface Flow {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  read(): Promise<Uint8Array | null>;
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): void;
}

export class FlowError extends Error {
  /** "reset", "timeout", "refused", "aborted", "closed", "limit". */
  constructor(public readonly code: string, message: string) {
    super(message);
    this.name = 'FlowError';
  }
}

export interface TcpApi {
  /** Accepts connections on `port`; returns a function that stops listening. */
  listen(port: number, onConnection: (flow: Flow) => void): () => void;
  connect(address: Ipv4Address, port: number): Promise<Flow>;
}

export interface UdpApi {
  /** Delivers datagrams to `port`; returns a function that unbinds. */
  bind(port: number, onDatagram: (data: Uint8Array, from: Endpoint, to: Endpoint) => void): () => void;
  send(to: Endpoint, data: Uint8Array, fromPort: number): void;
}
