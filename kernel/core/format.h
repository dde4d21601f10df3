/* The engine's formatter (format.c); named by duk_config_overrides.h as DUK_SPRINTF. */
#ifndef NYMOTE_CORE_FORMAT_H
#define NYMOTE_CORE_FORMAT_H

/* sprintf with "%lld" formatted here, as newlib-nano's printf cannot. */
int nymote_engine_sprintf(char *buf, const char *fmt, ...);
/* Writes value in decimal and a NUL; returns the length (at most 20). */
int nymote_format_int64(char *buf, long long value);

#endif
