/*
 * net/tcp: TCP (RFC 9293) for the stack. createTcp() gives IPv4 its input
 * and applications listen/connect returning Flows.
 */
export { createTcp } from './tcp';
export type { ConnectOptions, Tcp, TcpOptions } from './tcp';
export type { KeepAliveSettings, TcpConfig, TcpLimits } from './config';
export type { TcpFlow } from './flow';
export type { TcpState } from './connection';
